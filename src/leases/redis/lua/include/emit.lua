-- Appends one lease event to a shard's capped stream. Fields: t type, l lease id, k task id,
-- o owner, s state, g trigger, e expiresAt, a time of the change.
local function emit(stream, maxlen, kind, id, task, owner, state, trigger, expiresAt, at)
  redis.call('XADD', stream, 'MAXLEN', '~', maxlen, '*',
    't', kind, 'l', id, 'k', task, 'o', owner, 's', state, 'g', trigger or '', 'e', expiresAt or '', 'a', at)
end

-- Appends the events of many leases that changed alike (one type, state, trigger and time), up to
-- EVENTS_PER_ENTRY to a stream entry: field b holds each one's lease id, task id, owner and
-- expiresAt, in that order, as one JSON array. One entry for many events spares a bulk step an
-- XADD per lease. Such an entry trims the stream to its cap divided by EVENTS_PER_ENTRY (rounded
-- up), so however the stream mixes single and bulk entries it holds no more events than the cap
-- allows (approximately, as MAXLEN ~ does).
local EVENTS_PER_ENTRY = 16
local function emitMany(stream, maxlen, kind, state, trigger, at, flat)
  local cap = math.ceil(tonumber(maxlen) / EVENTS_PER_ENTRY)
  local step = 4 * EVENTS_PER_ENTRY
  for from = 1, #flat, step do
    local part = { unpack(flat, from, math.min(#flat, from + step - 1)) }
    redis.call('XADD', stream, 'MAXLEN', '~', cap, '*', 't', kind, 's', state, 'g', trigger, 'a', at, 'b', cjson.encode(part))
  end
end
