/*
 * spandsp (Debian libspandsp-dev) G.711 oracle for test/unit/g711.test.ts: prints the µ-law and
 * A-law code of every 16-bit sample (-32768..32767), then the linear value of every code byte.
 * Output: "U <hex of 65536 bytes>", "A <...>", "u <256 decimal values>", "a <...>".
 */
#include <stdint.h>
#include <stdio.h>
#include <spandsp/telephony.h>
#include <spandsp/bit_operations.h>
#include <spandsp/g711.h>

int main(void) {
	printf("U ");
	for (int s = -32768; s < 32768; s++) printf("%02x", linear_to_ulaw(s));
	printf("\nA ");
	for (int s = -32768; s < 32768; s++) printf("%02x", linear_to_alaw(s));
	printf("\nu");
	for (int b = 0; b < 256; b++) printf(" %d", ulaw_to_linear((uint8_t) b));
	printf("\na");
	for (int b = 0; b < 256; b++) printf(" %d", alaw_to_linear((uint8_t) b));
	printf("\n");
	return 0;
}
