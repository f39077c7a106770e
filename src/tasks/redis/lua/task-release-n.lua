-- A lease is no longer live: out of the live set of its task and every ancestor.
-- KEYS: pairs of (task hash, task live set), the task first
-- ARGV[1] lease id   ARGV[2] '1' to also give back the credential count
-- ARGV[3] the task's ancestors field as the caller knows it
-- Reply: the number of live sets the lease was removed from | -9 the ancestors differ: read them again
if redis.call('EXISTS', KEYS[1]) == 1 and redis.call('HGET', KEYS[1], 'ancestors') ~= ARGV[3] then return -9 end
local removed = 0
for i = 1, #KEYS, 2 do
  if redis.call('SREM', KEYS[i + 1], ARGV[1]) == 1 then
    removed = removed + 1
    if ARGV[2] == '1' and redis.call('EXISTS', KEYS[i]) == 1 and tonumber(redis.call('HGET', KEYS[i], 'credentialsIssued')) > 0 then
      redis.call('HINCRBY', KEYS[i], 'credentialsIssued', -1)
    end
  end
end
return removed
