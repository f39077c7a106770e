-- Leases that ended are no longer live for tasks opened directly (no ancestors), many tasks at once.
-- KEYS: pairs of (task hash, task live set), one pair per task
-- ARGV: per pair, the ids of its leases that ended, joined by ','
-- Reply: per pair, the number of leases taken out of its live set; 0 when the task no longer
--        exists; -9 when it has ancestors (the caller releases its leases with task-release-n)
local out = {}
for i = 1, #KEYS, 2 do
  local pair = (i + 1) / 2
  local ancestors = redis.call('HGET', KEYS[i], 'ancestors')
  if not ancestors then
    out[pair] = 0
  elseif ancestors ~= '[]' then
    out[pair] = -9
  else
    -- SREM in groups: unpack has a limit on how many values it spreads.
    local removed, ids = 0, {}
    for id in string.gmatch(ARGV[pair], '[^,]+') do
      ids[#ids + 1] = id
      if #ids == 1000 then
        removed = removed + redis.call('SREM', KEYS[i + 1], unpack(ids))
        ids = {}
      end
    end
    if #ids > 0 then removed = removed + redis.call('SREM', KEYS[i + 1], unpack(ids)) end
    out[pair] = removed
  end
end
return out
