-- 008_storage: CRLs and OCSP responses are signed DER, which barely
-- compresses; storing them uncompressed saves PostgreSQL over a CPU-second
-- per million CRL entries (measured in tests/bench/crl).
ALTER TABLE crl ALTER COLUMN der SET STORAGE EXTERNAL;
ALTER TABLE ocsp_response ALTER COLUMN der SET STORAGE EXTERNAL;
