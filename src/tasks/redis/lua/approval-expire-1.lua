-- pending|approved past its expiry → expired.
-- KEYS[1] approval hash   ARGV[1] now (ms)
-- Reply: {0, field, value, …} expired now | {4, field, value, …} unchanged | {-1} not found
if redis.call('EXISTS', KEYS[1]) == 0 then return {-1} end
local f = redis.call('HMGET', KEYS[1], 'state', 'expiresAt')
local code = 4
if (f[1] == 'pending' or f[1] == 'approved') and tonumber(ARGV[1]) >= tonumber(f[2]) then
  redis.call('HSET', KEYS[1], 'state', 'expired')
  code = 0
end
local reply = {code}
for _, v in ipairs(redis.call('HGETALL', KEYS[1])) do reply[#reply + 1] = v end
return reply
