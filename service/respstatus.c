/* respstatus.c - see respstatus.h. */
#include "respstatus.h"

#include "der.h"

static bool gentime(const struct der_tlv *t, ll_time *out)
{
	return t->tag == DER_GENTIME && ll_time_parse_asn1(t->val, t->len, false, out);
}

bool respstatus_parse(const uint8_t *der, size_t len, struct respstatus *out)
{
	struct der d = der_init(der, len), in, rb, basic, tbs, list;
	struct der_tlv t, u;
	bool present;

	out->reason = -1;
	out->revoked_at = 0;
	/* OCSPResponse { status, [0] { SEQUENCE { oid, OCTET STRING basic } } } */
	if (!der_expect(&d, DER_SEQUENCE, &t))
		return false;
	in = der_enter(&t);
	if (!der_expect(&in, DER_ENUMERATED, &t) || t.len != 1 || t.val[0] != 0 ||
	    !der_expect(&in, DER_CTX0, &t))
		return false;
	rb = der_enter(&t);
	if (!der_expect(&rb, DER_SEQUENCE, &t))
		return false;
	rb = der_enter(&t);
	if (!der_expect(&rb, DER_OID, &t) || !der_expect(&rb, DER_OCTETSTRING, &t))
		return false;
	basic = der_enter(&t);
	/* BasicOCSPResponse { tbsResponseData { [0]? responderID producedAt responses ... } } */
	if (!der_expect(&basic, DER_SEQUENCE, &t))
		return false;
	basic = der_enter(&t);
	if (!der_expect(&basic, DER_SEQUENCE, &t))
		return false;
	tbs = der_enter(&t);
	if (!der_optional(&tbs, DER_CTX0, &t, &present) || !der_next(&tbs, &t) || /* responderID */
	    !der_expect(&tbs, DER_GENTIME, &t) || !der_expect(&tbs, DER_SEQUENCE, &t))
		return false;
	list = der_enter(&t);
	if (!der_expect(&list, DER_SEQUENCE, &t)) /* the first SingleResponse */
		return false;
	list = der_enter(&t);
	if (!der_expect(&list, DER_SEQUENCE, &t) || !der_next(&list, &t)) /* certID, certStatus */
		return false;
	switch (t.tag) {
	case 0x80:
		out->status = OCSP_GOOD;
		return true;
	case 0x82:
		out->status = OCSP_UNKNOWN;
		return true;
	case 0xa1:
		out->status = OCSP_REVOKED;
		in = der_enter(&t);
		if (!der_next(&in, &u) || !gentime(&u, &out->revoked_at))
			return false;
		if (der_optional(&in, DER_CTX0, &u, &present) && present) {
			struct der r = der_enter(&u);
			struct der_tlv e;
			if (der_expect(&r, DER_ENUMERATED, &e) && e.len == 1)
				out->reason = e.val[0];
		}
		return true;
	default:
		return false;
	}
}
