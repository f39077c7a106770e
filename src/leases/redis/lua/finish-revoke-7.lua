--[[
  revoking -> revoked (or expired, when the trigger was `expired`) once the provider confirmed.
  The lease leaves the work indexes, keeps its hash for the retention period, and is scheduled to
  leave the `all` index when retention ends; a bounded batch of earlier such removals is done here.
  A lease already terminal is left as it is.

  KEYS[1] lease hash      lease:<id>
  KEYS[2] revoking zset   revoking
  KEYS[3] pending zset    pending
  KEYS[4] expiry zset     expiry
  KEYS[5] task zset       task:<taskId>
  KEYS[6] retired zset    retired
  KEYS[7] all zset        all

  ARGV[1] lease id
  ARGV[2] task id the caller read from the lease (the hash must still say so)
  ARGV[3] now (ms)
  ARGV[4] retention (ms, > 0)
  ARGV[5] at most this many retired leases leave `all` in this call

  Returns
    { 0, field, value, ... }   now revoked or expired
    { 4, field, value, ... }   unchanged: already terminal
    { -1 }                     no such lease
    { -3, field, value, ... }  not revoking
]]
local id = ARGV[1]
local f = redis.call('HMGET', KEYS[1], 'state', 'trigger', 'taskId')
if not f[1] or f[3] ~= ARGV[2] then
  return { -1 }
end
local state = f[1]
if state == 'revoked' or state == 'expired' or state == 'revocation_failed' then
  return { 4, unpack(redis.call('HGETALL', KEYS[1])) }
end
if state ~= 'revoking' then
  return { -3, unpack(redis.call('HGETALL', KEYS[1])) }
end

local final = 'revoked'
if f[2] == 'expired' then
  final = 'expired'
end
local now = tonumber(ARGV[3])
local retention = tonumber(ARGV[4])
local purgeAt = now + retention

redis.call('HSET', KEYS[1], 'state', final, 'revokedAt', ARGV[3])
redis.call('PEXPIRE', KEYS[1], retention)
redis.call('ZREM', KEYS[2], id)
redis.call('ZREM', KEYS[3], id)
redis.call('ZREM', KEYS[4], id)

-- The task index keeps the lease until its retention ends, and expires with its last entry
-- once no live lease is left in it.
redis.call('ZADD', KEYS[5], purgeAt, id)
redis.call('ZREMRANGEBYSCORE', KEYS[5], '-inf', now)
if redis.call('ZCOUNT', KEYS[5], '+inf', '+inf') == 0 then
  local last = redis.call('ZREVRANGEBYSCORE', KEYS[5], '+inf', '-inf', 'WITHSCORES', 'LIMIT', 0, 1)
  if last[2] then
    redis.call('PEXPIRE', KEYS[5], math.max(1, tonumber(last[2]) - now))
  end
end

redis.call('ZADD', KEYS[6], purgeAt, id)
local due = redis.call('ZRANGEBYSCORE', KEYS[6], '-inf', now, 'LIMIT', 0, tonumber(ARGV[5]))
if #due > 0 then
  redis.call('ZREM', KEYS[7], unpack(due))
  redis.call('ZREM', KEYS[6], unpack(due))
end

return { 0, unpack(redis.call('HGETALL', KEYS[1])) }
