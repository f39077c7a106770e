-- Ends an open task; one already past its expiry ends as expired whatever was asked.
-- KEYS[1] task hash   KEYS[2] live set   KEYS[3] children set   KEYS[4] deviation list
-- ARGV[1] state (completed|revoked|expired)   ARGV[2] trigger   ARGV[3] reason ('' for none)
-- ARGV[4] now (ms)   ARGV[5] retention (ms)
-- Reply: {0, live count, field, value, …}   ended
--        {4, live count, field, value, …}   already ended: unchanged
--        {-1}                               no such task
if redis.call('EXISTS', KEYS[1]) == 0 then return {-1} end
local f = redis.call('HMGET', KEYS[1], 'state', 'expiresAt')
local code = 4
local now = tonumber(ARGV[4])
if f[1] == 'open' then
  code = 0
  local ended
  if now >= tonumber(f[2]) then
    ended = f[2]
    redis.call('HSET', KEYS[1], 'state', 'expired', 'trigger', 'expired', 'endedAt', ended)
    redis.call('HDEL', KEYS[1], 'reason')
  else
    ended = ARGV[4]
    redis.call('HSET', KEYS[1], 'state', ARGV[1], 'trigger', ARGV[2], 'endedAt', ended)
    if ARGV[3] ~= '' then redis.call('HSET', KEYS[1], 'reason', ARGV[3]) end
  end
  -- Kept for the retention from when it ended, as the caller's clock says (never zero: the reply reads it).
  local keep = math.max(1000, tonumber(ended) + tonumber(ARGV[5]) - now)
  for i = 1, 4 do
    if redis.call('EXISTS', KEYS[i]) == 1 then redis.call('PEXPIRE', KEYS[i], keep) end
  end
end
local reply = {code, redis.call('SCARD', KEYS[2])}
for _, v in ipairs(redis.call('HGETALL', KEYS[1])) do reply[#reply + 1] = v end
return reply
