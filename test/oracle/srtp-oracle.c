/*
 * libsrtp2 oracle for test/unit/srtp-oracle.test.ts (compiled by that test with gcc -lsrtp2).
 *
 *   srtp-oracle 80|32 <master key||salt as 60 hex digits>
 *   srtp-oracle gcm128 <master key||salt as 56 hex digits>   (AEAD_AES_128_GCM, RFC 7714)
 *   srtp-oracle gcm256 <master key||salt as 88 hex digits>   (AEAD_AES_256_GCM)
 *
 * Reads lines from stdin, one command each, and prints one line per command:
 *   P <hex>   srtp_protect       with the outbound session -> protected packet as hex
 *   C <hex>   srtp_protect_rtcp  with the outbound session
 *   U <hex>   srtp_unprotect     with the inbound session  -> plain packet as hex
 *   V <hex>   srtp_unprotect_rtcp with the inbound session
 * or "ERR <srtp_err_status_t>" when libsrtp refuses.
 */
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
	if (argc != 3) {
		fprintf(stderr, "usage: %s 80|32|gcm128|gcm256 keysalt-hex\n", argv[0]);
		return 2;
	}
	int gcm = strcmp(argv[1], "gcm128") == 0 ? 128 : strcmp(argv[1], "gcm256") == 0 ? 256 : 0;
	int need = gcm == 128 ? 16 + 12 : gcm == 256 ? 32 + 12 : 30;
	unsigned char key[64];
	if (unhex(argv[2], key, sizeof(key)) != need) {
		fprintf(stderr, "need %d bytes of key||salt\n", need);
		return 2;
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
	} else {
		if (strcmp(argv[1], "32") == 0)
			srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&pol.rtp);
		else
			srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&pol.rtp);
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&pol.rtcp);
	}
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
		case 'P': st = srtp_protect(tx, buf, &len); break;
		case 'C': st = srtp_protect_rtcp(tx, buf, &len); break;
		case 'U': st = srtp_unprotect(rx, buf, &len); break;
		case 'V': st = srtp_unprotect_rtcp(rx, buf, &len); break;
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
