-- approved → used, if approved and unexpired now, for this requester and this exact request.
-- KEYS[1] approval hash   KEYS[2] its request index
-- ARGV[1] requester   ARGV[2] request digest   ARGV[3] lease id   ARGV[4] now (ms)   ARGV[5] approval id
-- ARGV[6] the request's idempotency key ('' for none)
-- The request index keeps naming it until it expires: a retry of the request finds its lease.
-- Reply: {0, field, value, …} used | {-3, field, value, …} refused, unchanged | {-1} not found
local function with_fields(code)
  local reply = {code}
  for _, v in ipairs(redis.call('HGETALL', KEYS[1])) do reply[#reply + 1] = v end
  return reply
end
if redis.call('EXISTS', KEYS[1]) == 0 then return {-1} end
local f = redis.call('HMGET', KEYS[1], 'state', 'expiresAt', 'requester', 'requestDigest')
if f[1] ~= 'approved' or tonumber(ARGV[4]) >= tonumber(f[2]) or f[3] ~= ARGV[1] or f[4] ~= ARGV[2] then
  return with_fields(-3)
end
redis.call('HSET', KEYS[1], 'state', 'used', 'usedAt', ARGV[4], 'leaseId', ARGV[3])
if ARGV[6] ~= '' then redis.call('HSET', KEYS[1], 'idempotencyKey', ARGV[6]) end
return with_fields(0)
