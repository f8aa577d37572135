-- archiver.lua: archive copy and alias map.
--
-- Every message gets the archive address as an extra (BCC) recipient, and
-- recipients found in the alias map are replaced by their targets.  delrcpt
-- must name the recipient exactly as the MTA received it, angle brackets
-- included, so the original strings are kept.

local milter = require "milter"
local addr = require "milter.addr"

local Policy = milter.Base:extend()

Policy.archive = "<archive@example.org>"
Policy.aliases = {
  ["sales@example.org"] = { "<alice@example.org>", "<bob@example.org>" },
  ["old-name@example.org"] = { "<new-name@example.org>" },
}

function Policy:envfrom() self.rcpts = {} end

function Policy:envrcpt(to)
  self.rcpts[#self.rcpts + 1] = to
end

function Policy:eom()
  for _, to in ipairs(self.rcpts) do
    local targets = self.aliases[(addr.normalize(to) or ""):lower()]
    if targets then
      self:delrcpt(to)
      for _, t in ipairs(targets) do self:addrcpt(t) end
    end
  end
  self:addrcpt(self.archive)
  return milter.CONTINUE
end

Policy.tests = {
  { name = "archived and aliased", message = "Subject: x\r\n\r\nx\r\n",
    rcpt = { "<Sales@Example.ORG>", "<carol@example.org>" },
    expect = { actions = {
      { op = "delrcpt", name = "<Sales@Example.ORG>" },
      { op = "addrcpt", name = "<alice@example.org>" },
      { op = "addrcpt", name = "<bob@example.org>" },
      { op = "addrcpt", name = "<archive@example.org>" } } } },
}

return Policy
