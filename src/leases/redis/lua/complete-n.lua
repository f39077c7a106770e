--[[
  revoking -> revoked (or expired, when the trigger was `expired`) for each lease the provider
  confirmed. The lease leaves the queue, keeps its hash for the retention period, and is scheduled
  to leave the `all` index when retention ends; a bounded batch of earlier such removals is done
  here. A mass revocation that accepted the lease counts the confirmation.

  KEYS[1] queue zset      queue
  KEYS[2] all zset        all
  KEYS[3] retired zset    retired
  KEYS[4] events stream   events
  KEYS[5..] three per lease: lease hash, task zset, operation hash (the lease hash again when there is no operation)

  ARGV[1] now (ms)
  ARGV[2] retention (ms, > 0)
  ARGV[3] at most this many retired leases leave `all` in this call
  ARGV[4] events stream length cap
  ARGV[5..] three per lease: lease id, task id the caller read (the hash must still say so), operation id ('' for none)

  Returns one entry per lease
    { 0, state }    now revoked or expired
    { 4, state }    unchanged: already terminal
    { -1 }          no such lease (or not of that task)
    { -3, state }   not revoking
]]
-- @include emit
-- @include retire
local now = tonumber(ARGV[1])
local retention = tonumber(ARGV[2])
local purgeAt = now + retention
local out = {}
local tasks = {}
local confirmedByOp = {}

for i = 0, (#ARGV - 5) / 3 do
  local id = ARGV[5 + i * 3]
  local taskId = ARGV[6 + i * 3]
  local op = ARGV[7 + i * 3]
  local key = KEYS[5 + i * 3]
  local taskKey = KEYS[6 + i * 3]
  local f = redis.call('HMGET', key, 's', 'g', 't', 'o', 'e', 'a', 'z', 'w')
  if not f[1] or f[3] ~= taskId then
    out[#out + 1] = { -1 }
  elseif f[1] == 'revoked' or f[1] == 'expired' or f[1] == 'revocation_failed' then
    out[#out + 1] = { 4, f[1] }
  elseif f[1] ~= 'revoking' then
    out[#out + 1] = { -3, f[1] }
  else
    local final = 'revoked'
    if f[2] == 'expired' then
      final = 'expired'
    end
    redis.call('HSET', key, 's', final, 'x', ARGV[1])
    if f[6] or f[7] or f[8] then
      redis.call('HDEL', key, 'a', 'z', 'w')
    end
    redis.call('PEXPIRE', key, retention)
    redis.call('ZREM', KEYS[1], id)
    redis.call('ZADD', taskKey, purgeAt, id)
    tasks[taskKey] = true
    redis.call('ZADD', KEYS[3], purgeAt, id)
    if op ~= '' then
      local opKey = KEYS[7 + i * 3]
      confirmedByOp[opKey] = (confirmedByOp[opKey] or 0) + 1
    end
    emit(KEYS[4], ARGV[4], final, id, f[3], f[4], final, f[2], f[5], ARGV[1])
    out[#out + 1] = { 0, final }
  end
end

for opKey, count in pairs(confirmedByOp) do
  redis.call('HINCRBY', opKey, 'confirmed', count)
  if redis.call('PTTL', opKey) < 0 then
    redis.call('PEXPIRE', opKey, retention)
  end
end

tidyTasks(tasks, now, true)
purgeRetired(KEYS[2], KEYS[3], now, tonumber(ARGV[3]))

return out
