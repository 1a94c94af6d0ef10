#pragma once
// The streams one worker is relaying, so that shutdown can end each with its error event when the
// drain time is over (instead of a TCP reset the client cannot tell from a network fault). One per
// worker, used from its thread only; a stream enters and leaves without an allocation.

#include <boost/intrusive/list.hpp>

namespace switchyard::gateway {

class OpenStreams {
 public:
  // A relayed stream; it leaves the set when destroyed.
  class Member : public boost::intrusive::list_base_hook<
                     boost::intrusive::link_mode<boost::intrusive::auto_unlink>> {
   public:
    // End the stream now with the endpoint's error event (the upstream call is cancelled).
    virtual void cutForShutdown() = 0;

   protected:
    ~Member() = default;
  };

  // A stream that joins after the cut is cut at once.
  void add(Member& member) {
    if (cut_) {
      member.cutForShutdown();
      return;
    }
    members_.push_back(member);
  }

  // Shutdown's drain time is over: every stream is cut, and so is each one that joins later.
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
