// RS256 service-account assertions made with node:crypto, independent of the C++ code under test.
import { createSign } from 'node:crypto';

const b64url = (data) => Buffer.from(data).toString('base64url');

/**
 * A JWT-bearer assertion for `sa` (a parsed key file). `claims` override the defaults
 * (iss, scope=cloud-platform, aud=sa.token_uri, iat=now, exp=iat+3600); `header` overrides
 * { alg: 'RS256', typ: 'JWT', kid: sa.private_key_id }; `key` signs instead of sa.private_key.
 */
export function signAssertion(sa, claims = {}, { header = {}, key } = {}) {
  const iat = Math.floor(Date.now() / 1000);
  const fullHeader = { alg: 'RS256', typ: 'JWT', kid: sa.private_key_id, ...header };
  const fullClaims = {
    iss: sa.client_email,
    scope: 'https://www.googleapis.com/auth/cloud-platform',
    aud: sa.token_uri,
    iat,
    exp: iat + 3600,
    ...claims,
  };
  const input = `${b64url(JSON.stringify(fullHeader))}.${b64url(JSON.stringify(fullClaims))}`;
  const signature = createSign('RSA-SHA256').update(input).sign(key ?? sa.private_key);
  return `${input}.${b64url(signature)}`;
}
