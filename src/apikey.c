/*-------------------------------------------------------------------------
 *
 * apikey.c
 *	  API keys that PostgREST accepts as bearer tokens.
 *
 * PostgREST parses every "Authorization: Bearer" token as a JWT before the
 * database sees the request, so an opaque key cannot travel in that header.
 * A key is therefore a JWT (HS256) signed with the secret PostgREST verifies
 * (setting tasks.jwt_secret, superuser-only, equal to PostgREST's
 * jwt-secret).  It carries only {"role": "tasks_api", "key_id"}: the
 * pre-request looks the key id up on every request, so revocation, expiry
 * and scope changes take effect at once.  The same string also works in
 * x-api-key, where the pre-request finds it by its SHA-256.
 *
 *-------------------------------------------------------------------------
 */
#include "tasks.h"

#include "common/base64.h"
#include "common/cryptohash.h"
#include "common/hmac.h"
#include "common/sha2.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/guc.h"

#define JWT_MIN_SECRET 32		/* PostgREST refuses shorter HS256 secrets */

static char *jwt_secret = NULL;

/* Defines tasks.jwt_secret (readable by superusers only). */
void
apikey_define_gucs(void)
{
	DefineCustomStringVariable("tasks.jwt_secret",
							   "HS256 secret shared with PostgREST's jwt-secret; signs API keys.",
							   NULL, &jwt_secret, "",
							   PGC_SUSET, GUC_SUPERUSER_ONLY | GUC_NO_SHOW_ALL | GUC_NOT_IN_SAMPLE,
							   NULL, NULL, NULL);
}

/* Appends src as unpadded base64url (RFC 7515 §2). */
static void
append_base64url(StringInfo buf, const char *src, int len)
{
	int			enc_len = pg_b64_enc_len(len);
	char	   *enc = palloc(enc_len + 1);
	int			n = pg_b64_encode(src, len, enc, enc_len);

	if (n < 0)
		elog(ERROR, "base64 encoding failed");
	for (int i = 0; i < n; i++)
	{
		char		c = enc[i];

		if (c == '=')
			break;
		appendStringInfoChar(buf, c == '+' ? '-' : c == '/' ? '_' : c);
	}
	pfree(enc);
}

/*
 * tasks._jwt_sign(claims jsonb) RETURNS text: an HS256 JWT of the claims.
 * Never granted to API roles: whoever can sign can mint any key.
 */
PG_FUNCTION_INFO_V1(tasks_jwt_sign);
Datum
tasks_jwt_sign(PG_FUNCTION_ARGS)
{
	Jsonb	   *claims = PG_GETARG_JSONB_P(0);
	static const char header[] = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
	char	   *payload;
	StringInfoData jwt;
	pg_hmac_ctx *ctx;
	uint8		mac[PG_SHA256_DIGEST_LENGTH];

	if (jwt_secret == NULL || strlen(jwt_secret) < JWT_MIN_SECRET)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("tasks.jwt_secret must be set to PostgREST's jwt-secret (at least %d characters)",
						JWT_MIN_SECRET),
				 errhint("ALTER DATABASE … SET tasks.jwt_secret = '…' as a superuser.")));
	if (!JB_ROOT_IS_OBJECT(claims) || JB_ROOT_IS_SCALAR(claims))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("JWT claims must be a JSON object")));

	payload = JsonbToCString(NULL, &claims->root, VARSIZE(claims));
	initStringInfo(&jwt);
	append_base64url(&jwt, header, strlen(header));
	appendStringInfoChar(&jwt, '.');
	append_base64url(&jwt, payload, strlen(payload));

	ctx = pg_hmac_create(PG_SHA256);
	if (ctx == NULL ||
		pg_hmac_init(ctx, (const uint8 *) jwt_secret, strlen(jwt_secret)) < 0 ||
		pg_hmac_update(ctx, (const uint8 *) jwt.data, jwt.len) < 0 ||
		pg_hmac_final(ctx, mac, sizeof(mac)) < 0)
		elog(ERROR, "HMAC-SHA256 failed: %s", ctx ? pg_hmac_error(ctx) : "out of memory");
	pg_hmac_free(ctx);

	appendStringInfoChar(&jwt, '.');
	append_base64url(&jwt, (const char *) mac, sizeof(mac));
	PG_RETURN_TEXT_P(cstring_to_text_with_len(jwt.data, jwt.len));
}
