-- Moves one lease to `revoking`, queues its revocation at `dueAt` and records a `revoking` event.
-- `f` is the lease's HMGET of s, o, t, e, g. A revocation_failed lease is an operator's retry:
-- its first trigger and request time stay, and the give-up window starts again (field w).
-- `q` holds the keys pending, expiry, queue, failed and events, and the events cap. `extra` holds
-- more field/value pairs to set in the same write (or nil).
-- Appends to `set` the fields a first revocation request writes: its trigger, time and reason.
local function requestFields(set, trigger, now, reason)
  set[#set + 1] = 'g'
  set[#set + 1] = trigger
  set[#set + 1] = 'q'
  set[#set + 1] = now
  if reason then
    set[#set + 1] = 'r'
    set[#set + 1] = reason
  end
end

local function accept(q, leaseKey, id, f, now, trigger, reason, dueAt, extra)
  local set = { 's', 'revoking' }
  local recorded = trigger
  if f[1] == 'revocation_failed' then
    set[#set + 1] = 'w'
    set[#set + 1] = now
    set[#set + 1] = 'a'
    set[#set + 1] = 0
    redis.call('HDEL', leaseKey, 'f')
    redis.call('ZREM', q.failed, id)
    recorded = f[5]
  else
    requestFields(set, trigger, now, reason)
    if f[1] == 'pending' then
      redis.call('ZREM', q.pending, id)
    else
      redis.call('ZREM', q.expiry, id)
    end
  end
  if extra then
    for i = 1, #extra do
      set[#set + 1] = extra[i]
    end
  end
  redis.call('HSET', leaseKey, unpack(set))
  redis.call('ZADD', q.queue, dueAt, id)
  emit(q.events, q.maxlen, 'revoking', id, f[3], f[2], 'revoking', recorded, f[4], now)
end
