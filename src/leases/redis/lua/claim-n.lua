--[[
  Claims due revocations: each one still due and still revoking is rescored to the claim's end,
  so it comes back to the queue if the claimer dies. Items of paused providers (an open circuit)
  are put off until the pause ends without counting as an attempt.

  KEYS[1] queue zset      queue
  KEYS[2..] lease hashes, one per id in ARGV[4..3+n]

  ARGV[1] now (ms)
  ARGV[2] claim end (ms)
  ARGV[3] n: number of ids
  ARGV[4..3+n] lease ids read as due
  ARGV[4+n..] pairs: provider name, paused until (ms)

  Returns
    { next, { id, field, value, ... }, ... }  next: the earliest score left in the queue ('' if empty)
]]
local now = tonumber(ARGV[1])
local n = tonumber(ARGV[3])
local paused = {}
for i = 4 + n, #ARGV, 2 do
  paused[ARGV[i]] = ARGV[i + 1]
end

local claimed = {}
for i = 1, n do
  local id = ARGV[3 + i]
  local key = KEYS[1 + i]
  local score = redis.call('ZSCORE', KEYS[1], id)
  if score and tonumber(score) <= now then
    local fields = redis.call('HGETALL', key)
    local state, provider
    for j = 1, #fields, 2 do
      if fields[j] == 's' then
        state = fields[j + 1]
      elseif fields[j] == 'p' then
        provider = fields[j + 1]
      end
    end
    if state ~= 'revoking' then
      -- Finished or gone meanwhile: nothing to attempt.
      redis.call('ZREM', KEYS[1], id)
    elseif paused[provider] then
      redis.call('ZADD', KEYS[1], paused[provider], id)
    else
      redis.call('ZADD', KEYS[1], ARGV[2], id)
      claimed[#claimed + 1] = { id, unpack(fields) }
    end
  end
end

local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
local next = ''
if first[2] then
  next = first[2]
end
return { next, unpack(claimed) }
