-- One heartbeat per request, each from a random learner of the prepared set (COOKIES file).
local sessions = {}
for line in io.lines(os.getenv("COOKIES")) do
  local cookie, path = line:match("^(%S+) (%S+)$")
  if cookie then sessions[#sessions + 1] = {cookie = cookie, path = path} end
end

request = function()
  local s = sessions[math.random(#sessions)]
  return wrk.format("POST", s.path, {
    ["Content-Type"] = "application/json",
    ["Cookie"] = "session=" .. s.cookie,
  }, '{"position": 0}')
end
