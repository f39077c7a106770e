-- pending → approved|denied, if still pending now and the approver is not the requester.
-- KEYS[1] approval hash   KEYS[2] its request index
-- ARGV[1] approved|denied   ARGV[2] approver   ARGV[3] reason ('' for none)   ARGV[4] now (ms)
-- ARGV[5] usable until (ms, approvals only)   ARGV[6] retention (ms)   ARGV[7] approval id
-- Reply: {0, field, value, …} decided | {-3, field, value, …} refused, unchanged | {-1} not found
local function with_fields(code)
  local reply = {code}
  for _, v in ipairs(redis.call('HGETALL', KEYS[1])) do reply[#reply + 1] = v end
  return reply
end
if redis.call('EXISTS', KEYS[1]) == 0 then return {-1} end
local f = redis.call('HMGET', KEYS[1], 'state', 'expiresAt', 'requester')
if f[1] ~= 'pending' or tonumber(ARGV[4]) >= tonumber(f[2]) or f[3] == ARGV[2] then return with_fields(-3) end
redis.call('HSET', KEYS[1], 'state', ARGV[1], 'decidedBy', ARGV[2], 'decidedAt', ARGV[4])
if ARGV[3] ~= '' then redis.call('HSET', KEYS[1], 'reason', ARGV[3]) end
if ARGV[1] == 'approved' then
  redis.call('HSET', KEYS[1], 'expiresAt', ARGV[5])
  local usable = tonumber(ARGV[5]) - tonumber(ARGV[4])
  redis.call('PEXPIRE', KEYS[1], math.max(1, usable + tonumber(ARGV[6])))
  if redis.call('GET', KEYS[2]) == ARGV[7] then redis.call('PEXPIRE', KEYS[2], math.max(1, usable)) end
end
return with_fields(0)
