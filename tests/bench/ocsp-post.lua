-- tests/bench/ocsp-post.lua - wrk script for tests/bench/ocsp: POST the DER
-- OCSP request in the file named by $REQ_FILE, the same bytes every time
-- (as /work/shared/peers/05_cfssl_ocspserve.sh does; cfssl's GET is broken).
local f = assert(io.open(os.getenv("REQ_FILE"), "rb"))
wrk.method = "POST"
wrk.body = f:read("*all")
f:close()
wrk.headers["Content-Type"] = "application/ocsp-request"
