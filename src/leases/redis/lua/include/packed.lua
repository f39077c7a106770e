-- A hash as one JSON array (field, value, field, value, …): a single bulk string costs the client a
-- fraction of what a long multi-bulk reply costs to read. Only for a hash that exists.
local function packed(key)
  return cjson.encode(redis.call('HGETALL', key))
end
