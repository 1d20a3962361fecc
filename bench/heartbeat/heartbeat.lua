-- One heartbeat per request, each from a random learner of the prepared set (COOKIES file).
-- The position is the time since the benchmark started (START, epoch seconds): players that
-- play in real time, so every learner's progress really advances (run.sh checks it).
local sessions = {}
for line in io.lines(os.getenv("COOKIES")) do
  local cookie, path = line:match("^(%S+) (%S+)$")
  if cookie then sessions[#sessions + 1] = {cookie = cookie, path = path} end
end
local start = tonumber(os.getenv("START")) or os.time()

request = function()
  local s = sessions[math.random(#sessions)]
  return wrk.format("POST", s.path, {
    ["Content-Type"] = "application/json",
    ["Cookie"] = "session=" .. s.cookie,
  }, string.format('{"position": %d}', os.time() - start))
end
