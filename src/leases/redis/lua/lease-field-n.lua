--[[
  Reads one field of each lease hash: a mass revocation's step reads each lease's task id with it,
  to name the task index of a lease it revokes at once. Changes nothing.

  KEYS[1], KEYS[2], ... lease hashes

  ARGV[1] the field

  Returns one entry per key: the field's value, or false when the lease (or the field) is missing
]]
local out = {}
for i = 1, #KEYS do
  out[i] = redis.call('HGET', KEYS[i], ARGV[1])
end
return out
