-- Housekeeping once leases turned terminal in a script. A task index keeps a lease until its
-- retention ends, and expires with its last entry once no live lease is left in it (`tasks` holds
-- the task index keys written, as table keys). At most `limit` leases whose retention has ended
-- leave the `all` index (and `retired`).
local function tidyTasks(tasks, now)
  for taskKey in pairs(tasks) do
    redis.call('ZREMRANGEBYSCORE', taskKey, '-inf', now)
    if redis.call('ZCOUNT', taskKey, '+inf', '+inf') == 0 then
      local last = redis.call('ZREVRANGEBYSCORE', taskKey, '+inf', '-inf', 'WITHSCORES', 'LIMIT', 0, 1)
      if last[2] then
        redis.call('PEXPIRE', taskKey, math.max(1, tonumber(last[2]) - now))
      end
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
