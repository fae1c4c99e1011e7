-- tests/bench/ocsp-nonce.lua - wrk script for tests/bench/ocsp: POST an OCSP
-- request that carries a nonce, with a different nonce on every request,
-- so that a responder with nonce echo must sign each answer live.
--
-- $REQ_FILE names a DER OCSPRequest made by `openssl ocsp -nonce -reqout`:
-- its nonce extension comes last, so its last 16 octets are the nonce
-- value. Each request keeps the first 12 nonce octets of that file except
-- the first, which becomes the wrk thread's number, and replaces the last
-- 4 with a per-thread counter. The HTTP head is built once (the length
-- never changes), so a request costs two string concatenations.
local nthreads = 0

function setup(thread)
   nthreads = nthreads + 1
   thread:set("tid", nthreads)
end

local prefix, counter = nil, 0

function init(args)
   local f = assert(io.open(os.getenv("REQ_FILE"), "rb"))
   local der = f:read("*all")
   f:close()
   assert(#der > 40, "REQ_FILE is too short")
   wrk.method = "POST"
   wrk.headers["Content-Type"] = "application/ocsp-request"
   -- the first nonce octet: this thread's number
   der = der:sub(1, #der - 16) .. string.char(tid % 256) .. der:sub(#der - 14)
   local req = wrk.format("POST", nil, nil, der)
   prefix = req:sub(1, #req - 4)
end

function request()
   counter = counter + 1
   local c = counter
   return prefix .. string.char(math.floor(c / 16777216) % 256, math.floor(c / 65536) % 256,
                                math.floor(c / 256) % 256, c % 256)
end
