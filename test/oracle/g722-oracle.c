/*
 * spandsp (Debian libspandsp-dev) G.722 oracle for test/unit/g722.test.ts, 64 kbit/s:
 *   g722-oracle enc   stdin: s16le PCM at 16 kHz   -> stdout: G.722 bytes
 *   g722-oracle dec   stdin: G.722 bytes          -> stdout: s16le PCM
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <spandsp/telephony.h>
#include <spandsp/g722.h>

int main(int argc, char **argv) {
	static uint8_t in[1 << 22];
	size_t n = fread(in, 1, sizeof(in), stdin);
	if (argc > 1 && strcmp(argv[1], "enc") == 0) {
		g722_encode_state_t *s = g722_encode_init(NULL, 64000, 0);
		static uint8_t out[1 << 21];
		int len = g722_encode(s, out, (const int16_t *) in, (int) (n / 2));
		fwrite(out, 1, (size_t) len, stdout);
	} else {
		g722_decode_state_t *s = g722_decode_init(NULL, 64000, 0);
		static int16_t out[1 << 22];
		int len = g722_decode(s, out, in, (int) n);
		fwrite(out, 2, (size_t) len, stdout);
	}
	return 0;
}
