/*
 * libsrtp2 oracle for test/unit/srtp-oracle.test.ts (compiled by that test with gcc -lsrtp2).
 *
 *   srtp-oracle 80|32 <master key||salt as 60 hex digits> [options]
 *   srtp-oracle 192-80|192-32|256-80|256-32 <key||salt, 76 / 92 hex digits> [options]  (RFC 6188)
 *   srtp-oracle null-80|null-32 <master key||salt as 60 hex digits> [options]  (NULL cipher)
 *   srtp-oracle gcm128 <master key||salt as 56 hex digits> [options]   (AEAD_AES_128_GCM, RFC 7714)
 *   srtp-oracle gcm256 <master key||salt as 88 hex digits> [options]   (AEAD_AES_256_GCM)
 *
 * Options (RFC 4568 section 6.3 session parameters, RFC 3711 section 3.1 MKI):
 *   mki=<hex>     every packet carries this MKI (srtp_protect_mki & co.)
 *   uenc-srtp     SRTP not encrypted (sec_serv_auth)
 *   uenc-srtcp    SRTCP not encrypted (E = 0; sec_serv_auth)
 *   uauth-srtp    SRTP not authenticated (NULL auth, no tag; sec_serv_conf)
 *
 * Reads lines from stdin, one command each, and prints one line per command:
 *   P <hex>   srtp_protect       with the outbound session -> protected packet as hex
 *   C <hex>   srtp_protect_rtcp  with the outbound session
 *   U <hex>   srtp_unprotect     with the inbound session  -> plain packet as hex
 *   V <hex>   srtp_unprotect_rtcp with the inbound session
 * or "ERR <srtp_err_status_t>" when libsrtp refuses.
 */
#include <srtp2/crypto_types.h>
#include <srtp2/srtp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int unhex(const char *s, unsigned char *out, int max) {
	int n = 0;
	while (s[0] && s[1] && n < max) {
		if (s[0] == '\n' || s[0] == '\r')
			break;
		unsigned int v;
		if (sscanf(s, "%2x", &v) != 1)
			return -1;
		out[n++] = (unsigned char) v;
		s += 2;
	}
	return n;
}

static void puthex(const unsigned char *b, int n) {
	for (int i = 0; i < n; i++)
		printf("%02x", b[i]);
	printf("\n");
}

int main(int argc, char **argv) {
	if (argc < 3) {
		fprintf(stderr, "usage: %s 80|32|192-80|192-32|256-80|256-32|null-80|null-32|gcm128|gcm256 keysalt-hex [mki=HEX] [uenc-srtp] [uenc-srtcp] [uauth-srtp]\n", argv[0]);
		return 2;
	}
	const char *prof = argv[1];
	int gcm = strcmp(prof, "gcm128") == 0 ? 128 : strcmp(prof, "gcm256") == 0 ? 256 : 0;
	int aes = strncmp(prof, "192-", 4) == 0 ? 192 : strncmp(prof, "256-", 4) == 0 ? 256 : 128;
	int null_cipher = strncmp(prof, "null-", 5) == 0;
	int tag32 = strlen(prof) >= 2 && strcmp(prof + strlen(prof) - 2, "32") == 0;
	int need = gcm == 128 ? 16 + 12 : gcm == 256 ? 32 + 12 : aes / 8 + 14;
	unsigned char key[64];
	if (unhex(argv[2], key, sizeof(key)) != need) {
		fprintf(stderr, "need %d bytes of key||salt\n", need);
		return 2;
	}
	unsigned char mki[SRTP_MAX_MKI_LEN];
	int mki_len = 0, uenc_srtp = 0, uenc_srtcp = 0, uauth_srtp = 0;
	for (int i = 3; i < argc; i++) {
		if (strncmp(argv[i], "mki=", 4) == 0) {
			mki_len = unhex(argv[i] + 4, mki, sizeof(mki));
			if (mki_len <= 0) {
				fprintf(stderr, "bad mki\n");
				return 2;
			}
		} else if (strcmp(argv[i], "uenc-srtp") == 0)
			uenc_srtp = 1;
		else if (strcmp(argv[i], "uenc-srtcp") == 0)
			uenc_srtcp = 1;
		else if (strcmp(argv[i], "uauth-srtp") == 0)
			uauth_srtp = 1;
		else {
			fprintf(stderr, "unknown option %s\n", argv[i]);
			return 2;
		}
	}
	if (srtp_init() != srtp_err_status_ok)
		return 1;

	srtp_t tx, rx;
	srtp_policy_t pol;
	memset(&pol, 0, sizeof(pol));
	if (gcm == 128) {
		srtp_crypto_policy_set_aes_gcm_128_16_auth(&pol.rtp);
		srtp_crypto_policy_set_aes_gcm_128_16_auth(&pol.rtcp);
	} else if (gcm == 256) {
		srtp_crypto_policy_set_aes_gcm_256_16_auth(&pol.rtp);
		srtp_crypto_policy_set_aes_gcm_256_16_auth(&pol.rtcp);
	} else if (null_cipher) {
		srtp_crypto_policy_set_null_cipher_hmac_sha1_80(&pol.rtp);
		if (tag32)
			pol.rtp.auth_tag_len = 4;
		srtp_crypto_policy_set_null_cipher_hmac_sha1_80(&pol.rtcp);
	} else if (aes == 192) {
		if (tag32)
			srtp_crypto_policy_set_aes_cm_192_hmac_sha1_32(&pol.rtp);
		else
			srtp_crypto_policy_set_aes_cm_192_hmac_sha1_80(&pol.rtp);
		srtp_crypto_policy_set_aes_cm_192_hmac_sha1_80(&pol.rtcp);
	} else if (aes == 256) {
		if (tag32)
			srtp_crypto_policy_set_aes_cm_256_hmac_sha1_32(&pol.rtp);
		else
			srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(&pol.rtp);
		srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(&pol.rtcp);
	} else {
		if (tag32)
			srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&pol.rtp);
		else
			srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&pol.rtp);
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&pol.rtcp);
	}
	/* Unencrypted: same cipher (and so the same key derivation), confidentiality service off. */
	if (uenc_srtp)
		pol.rtp.sec_serv = sec_serv_auth;
	if (uenc_srtcp)
		pol.rtcp.sec_serv = sec_serv_auth;
	/* Unauthenticated: libsrtp would still grow the packet by the tag length with sec_serv_conf
	 * alone, so the auth function itself is the NULL one with a 0-byte tag. */
	if (uauth_srtp) {
		pol.rtp.auth_type = SRTP_NULL_AUTH;
		pol.rtp.auth_key_len = 0;
		pol.rtp.auth_tag_len = 0;
		pol.rtp.sec_serv = sec_serv_conf;
	}
	srtp_master_key_t mk = {key, mki, (unsigned int) mki_len};
	srtp_master_key_t *mks[1] = {&mk};
	if (mki_len > 0) {
		pol.keys = mks;
		pol.num_master_keys = 1;
	} else
		pol.key = key;
	pol.window_size = 128;
	pol.allow_repeat_tx = 0;
	pol.next = NULL;
	pol.ssrc.type = ssrc_any_outbound;
	srtp_err_status_t cst = srtp_create(&tx, &pol);
	if (cst != srtp_err_status_ok) {
		fprintf(stderr, "srtp_create: %d\n", (int) cst);
		return cst == srtp_err_status_bad_param || cst == srtp_err_status_cipher_fail ? 3 : 1;
	}
	pol.ssrc.type = ssrc_any_inbound;
	if (srtp_create(&rx, &pol) != srtp_err_status_ok)
		return 1;

	static char line[8192];
	static unsigned char buf[4096];
	while (fgets(line, sizeof(line), stdin)) {
		if (line[0] == '\n' || line[1] != ' ')
			continue;
		int len = unhex(line + 2, buf, 2048);
		if (len < 0) {
			printf("ERR hex\n");
			continue;
		}
		srtp_err_status_t st;
		switch (line[0]) {
		case 'P': st = srtp_protect_mki(tx, buf, &len, mki_len > 0, 0); break;
		case 'C': st = srtp_protect_rtcp_mki(tx, buf, &len, mki_len > 0, 0); break;
		case 'U': st = srtp_unprotect_mki(rx, buf, &len, mki_len > 0); break;
		case 'V': st = srtp_unprotect_rtcp_mki(rx, buf, &len, mki_len > 0); break;
		default: printf("ERR cmd\n"); continue;
		}
		if (st != srtp_err_status_ok)
			printf("ERR %d\n", (int) st);
		else
			puthex(buf, len);
		fflush(stdout);
	}
	srtp_dealloc(tx);
	srtp_dealloc(rx);
	srtp_shutdown();
	return 0;
}
