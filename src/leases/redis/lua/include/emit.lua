-- Appends one lease event to a shard's capped stream. Fields: t type, l lease id, k task id,
-- o owner, s state, g trigger, e expiresAt, a time of the change.
local function emit(stream, maxlen, kind, id, task, owner, state, trigger, expiresAt, at)
  redis.call('XADD', stream, 'MAXLEN', '~', maxlen, '*',
    't', kind, 'l', id, 'k', task, 'o', owner, 's', state, 'g', trigger or '', 'e', expiresAt or '', 'a', at)
end
