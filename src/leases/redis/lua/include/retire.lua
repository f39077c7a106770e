-- Housekeeping of task indexes. A task index scores each lease by the latest its hash lives: its
-- maxExpiresAt plus the retention when it is written, its retention's end once it ends through the
-- revocation queue, +inf while its revocation is given up on (`tasks` holds the task index keys
-- written, as table keys). The index expires with its highest entry, and never while one is +inf.
-- With `prune`, entries past their score leave first (writing a lease also prunes its task's
-- index, so a bulk step may leave that to it). At most `limit` leases whose retention has ended
-- leave the `all` index (and `retired`).
local function tidyTasks(tasks, now, prune)
  for taskKey in pairs(tasks) do
    if prune then
      redis.call('ZREMRANGEBYSCORE', taskKey, '-inf', now)
    end
    local last = redis.call('ZRANGE', taskKey, -1, -1, 'WITHSCORES')
    if last[2] and tonumber(last[2]) ~= math.huge then
      redis.call('PEXPIRE', taskKey, math.max(1, tonumber(last[2]) - now))
    elseif last[2] then
      redis.call('PERSIST', taskKey)
    end
  end
end

local function purgeRetired(allKey, retiredKey, now, limit)
  local due = redis.call('ZRANGEBYSCORE', retiredKey, '-inf', now, 'LIMIT', 0, limit)
  if #due > 0 then
    redis.call('ZREM', allKey, unpack(due))
    redis.call('ZREM', retiredKey, unpack(due))
  end
end
