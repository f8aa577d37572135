--- milter.flags: libmilter's negotiation constants, for milter.X lookups.
-- Loaded on first use through the milter module (milter.ADDHDRS, ...).

local M = {}

-- actions offered/requested in negotiate (SMFIF_*)
M.ADDHDRS = 0x01
M.CHGBODY = 0x02
M.ADDRCPT = 0x04
M.DELRCPT = 0x08
M.CHGHDRS = 0x10
M.QUARANTINE = 0x20
M.CHGFROM = 0x40
M.ADDRCPT_PAR = 0x80
M.SETSYMLIST = 0x100

-- protocol steps (SMFIP_*)
M.P_NOCONNECT = 0x01
M.P_NOHELO = 0x02
M.P_NOMAIL = 0x04
M.P_NORCPT = 0x08
M.P_NOBODY = 0x10
M.P_NOHDRS = 0x20
M.P_NOEOH = 0x40
M.P_NR_HDR = 0x80
M.P_NOUNKNOWN = 0x100
M.P_NODATA = 0x200
M.P_SKIP = 0x400
M.P_RCPT_REJ = 0x800
M.P_NR_CONN = 0x1000
M.P_NR_HELO = 0x2000
M.P_NR_MAIL = 0x4000
M.P_NR_RCPT = 0x8000
M.P_NR_DATA = 0x10000
M.P_NR_UNKN = 0x20000
M.P_NR_EOH = 0x40000
M.P_NR_BODY = 0x80000
M.P_HDR_LEADSPC = 0x100000

-- macro stages for setsmlist / symlist (SMFIM_*)
M.M_CONNECT = 0
M.M_HELO = 1
M.M_ENVFROM = 2
M.M_ENVRCPT = 3
M.M_DATA = 4
M.M_EOM = 5
M.M_EOH = 6

return M
