--[[
  pending -> active for leases of one shard, each with the expiry the provider confirmed, capped at
  the lease's max expiry. Records an `issued` event for each.

  KEYS[1] pending zset    pending
  KEYS[2] expiry zset     expiry
  KEYS[3] events stream   events
  KEYS[3 + i] lease hash of lease i   lease:<id>

  ARGV[1] events stream length cap
  ARGV[2] the leases, as one JSON array with, for lease i, an array of strings: its id, its
          expiresAt (ms) and the time of the change (ms)

  Returns one reply per lease, in order, all of them as one JSON array (one string is far cheaper
  for the client to read than as many nested replies):
    { 0, expiresAt }     activated, with the expiry it took (every other field is as written pending)
    { -1 }               no such lease
    { -3, packed hash }  not pending
]]
-- @include emit
-- @include packed
local replies = {}
-- The index changes, made once per index at the end: nothing below reads an index.
local activated = {}
local byExpiry = {}
for i, item in ipairs(cjson.decode(ARGV[2])) do
  local key, id = KEYS[3 + i], item[1]
  local f = redis.call('HMGET', key, 's', 'm', 'o', 't')
  if not f[1] then
    replies[i] = { -1 }
  elseif f[1] ~= 'pending' then
    replies[i] = { -3, packed(key) }
  else
    local expiresAt = item[2]
    if tonumber(expiresAt) > tonumber(f[2]) then
      expiresAt = f[2]
    end
    redis.call('HSET', key, 's', 'active', 'e', expiresAt)
    activated[#activated + 1] = id
    byExpiry[#byExpiry + 1] = expiresAt
    byExpiry[#byExpiry + 1] = id
    emit(KEYS[3], ARGV[1], 'issued', id, f[4], f[3], 'active', nil, expiresAt, item[3])
    replies[i] = { 0, expiresAt }
  end
end
if #activated > 0 then
  redis.call('ZREM', KEYS[1], unpack(activated))
  redis.call('ZADD', KEYS[2], unpack(byExpiry))
end
return cjson.encode(replies)
