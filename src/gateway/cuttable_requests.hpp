#pragma once
// The requests one worker is waiting on an upstream for, so that shutdown can end each when the
// drain time is over: a stream with its error event, a request not answered yet with a 503, each
// logged, instead of a TCP reset the client cannot tell from a network fault and no log line. One
// per worker, used from its thread only; a request enters and leaves without an allocation.

#include <boost/intrusive/list.hpp>

namespace switchyard::gateway {

class CuttableRequests {
 public:
  // A relayed stream or an upstream call in flight; it leaves the set when destroyed.
  class Member : public boost::intrusive::list_base_hook<
                     boost::intrusive::link_mode<boost::intrusive::auto_unlink>> {
   public:
    // Cancel the upstream call now; the request ends with the endpoint's error (a stream's error
    // event, else a 503).
    virtual void cutForShutdown() = 0;

   protected:
    ~Member() = default;
  };

  // A request that joins after the cut is cut at once.
  void add(Member& member) {
    if (cut_) {
      member.cutForShutdown();
      return;
    }
    members_.push_back(member);
  }

  // Shutdown's drain time is over: every request is cut, and so is each one that joins later.
  void cutAll() {
    cut_ = true;
    while (!members_.empty()) {
      Member& member = members_.front();
      members_.pop_front();
      member.cutForShutdown();
    }
  }

 private:
  boost::intrusive::list<Member, boost::intrusive::constant_time_size<false>> members_;
  bool cut_ = false;
};

}  // namespace switchyard::gateway
