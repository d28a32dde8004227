/*
 * rtpengine-ts SRTP crypto primitives on Node's own OpenSSL (optional; protocol/srtp's JS
 * primitives are the fallback, see daemon/media/srtp-native.ts).
 *
 * WHY this exists: from JS, node:crypto costs ~1 us per AES-CM keystream (Cipher.update() allocates
 * a Buffer per call), ~5 us per GCM packet (a Cipher object per IV) and pure-JS HMAC-SHA1 ~1.7 us
 * (shared/spec/deps.md section 1); the per-packet budget of issue 12 is well under 1.5 us per protect
 * or unprotect. Here each session key gets ONE keyed OpenSSL context, created once, and each call
 * works in place on the caller's buffer with no allocation.
 *
 * Only the primitives live here. ALL SRTP logic (ROC, replay, packet index, packet layout, IV
 * construction) stays in TypeScript (protocol/srtp/srtp-context.ts):
 *   ctr   AES-CM keystream XOR (RFC 3711 4.1.1, RFC 6188), AES-128/192/256: counter blocks from the
 *         16-byte IV the caller wrote into its registered `iv` array, encrypted with a keyed ECB
 *         context (no per-packet re-init), XORed into buf[off..off+len).
 *   f8    AES-f8 keystream XOR (RFC 3711 4.1.2.1), AES-128, IV from the registered `iv` array.
 *   hmac  HMAC-SHA1 (RFC 2104) of buf[off..off+len) || optional big-endian u32 into the registered
 *         20-byte `out` array; the ipad/opad states are computed once (SHA_CTX copies per call).
 *   gcm   AES-GCM seal/open (RFC 7714) with a 16-byte tag; 12-byte IV from the registered `iv`;
 *         OpenSSL's GCM128 mode (GHASH) over our keyed ECB context.
 *         open() decrypts into a per-thread scratch area and copies back only when the tag
 *         verifies, so a forged packet is left untouched.
 *
 * Handles are napi externals; free(handle) releases the OpenSSL state (idempotent), and the GC
 * finalizer does it for a handle that was never freed. Per-packet calls name a handle by its slot
 * number (slotOf(handle)), an index into a per-thread table: no JS object to load per call. Bad arguments throw a TypeError/RangeError
 * (a programming error in the caller, never packet content: the caller checks packet lengths).
 *
 * Linked with -z now (binding.gyp): the OpenSSL symbols come from the node binary, and if a node
 * build does not export them, loading fails (and the JS path is used) instead of a later crash.
 */
#define NAPI_VERSION 8
#define OPENSSL_SUPPRESS_DEPRECATED 1 /* SHA1_Init & co.: the only OpenSSL API with a copyable state */
#include <node_api.h>

/* Without OpenSSL headers (a node install without them) this builds a stub whose load fails, so that
 * the batch_io target of the same binding.gyp still builds and SRTP uses the JS primitives. */
#if defined(__has_include)
#if !__has_include(<openssl/evp.h>) || !__has_include(<openssl/modes.h>) || !__has_include(<openssl/sha.h>)
#define SRTP_CRYPTO_STUB 1
#endif
#endif

#ifdef SRTP_CRYPTO_STUB
NAPI_MODULE_INIT(/* napi_env env, napi_value exports */) {
  napi_throw_error(env, NULL, "srtp_crypto was built without OpenSSL headers");
  return NULL;
}
#else

#include <openssl/evp.h>
#include <openssl/modes.h>
#include <openssl/sha.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Counter blocks encrypted per EVP call (bounded stack/struct scratch, any length works). */
#define CTR_CHUNK 512
/* Largest GCM ciphertext open() accepts: a UDP datagram. */
#define GCM_SCRATCH 65536

enum { K_CTR = 1, K_F8, K_HMAC, K_GCM };

/* Per thread (module instance): scratch areas every call shares, so that they stay in cache and a
 * handle holds only its keyed state (a relay has thousands of handles, touched in turn). */
typedef struct prim prim_t;

typedef struct {
  unsigned char blk[CTR_CHUNK]; /* counter blocks */
  unsigned char ks[CTR_CHUNK];  /* their encryption */
  unsigned char *scratch;       /* GCM_SCRATCH bytes: GCM plaintext until the tag verified */
  /* Slot table: per-packet calls name a handle by its slot number (a small integer), not by its
   * napi external, whose JS object would be one more cold cache line per call in a relay with
   * thousands of handles. Free slots are chained through next_free. */
  prim_t **tab;
  int *next_free;
  int cap, free_head;
  int live; /* prim_t allocations not yet freed (they point here) */
  int dead; /* the instance finalizer ran: free this when live drops to 0 */
} instance_t;

struct prim {
  int kind;
  int closed;
  int slot;           /* index in inst->tab while open, else -1 */
  napi_ref ref;       /* the registered iv/out array, kept alive while the handle lives */
  unsigned char *io;  /* its bytes */
  instance_t *inst;   /* this thread's scratch areas */
  EVP_CIPHER_CTX *c1; /* ctr/f8/gcm: ECB with k_e */
  EVP_CIPHER_CTX *c2; /* f8: ECB with k_e XOR m */
  GCM128_CONTEXT *gcm; /* gcm: GHASH state and key H, AES through c1 (gcm_block/gcm_ctr32) */
  SHA_CTX inner, outer;
};

static void instance_destroy(instance_t *inst) {
  free(inst->scratch);
  free(inst->tab);
  free(inst->next_free);
  free(inst);
}

/* A free slot for p (growing the table), or -1 when out of memory. */
static int slot_alloc(instance_t *inst, prim_t *p) {
  if (inst->free_head < 0) {
    int cap = inst->cap ? inst->cap * 2 : 64;
    prim_t **tab = (prim_t **) realloc(inst->tab, (size_t) cap * sizeof(prim_t *));
    if (!tab) return -1;
    inst->tab = tab;
    int *nf = (int *) realloc(inst->next_free, (size_t) cap * sizeof(int));
    if (!nf) return -1;
    inst->next_free = nf;
    for (int i = inst->cap; i < cap; i++) {
      tab[i] = NULL;
      nf[i] = i + 1 < cap ? i + 1 : -1;
    }
    inst->free_head = inst->cap;
    inst->cap = cap;
  }
  int i = inst->free_head;
  inst->free_head = inst->next_free[i];
  inst->tab[i] = p;
  return i;
}

/* ---- helpers ---- */

#define CHECK(call)                                                                                \
  do {                                                                                             \
    if ((call) != napi_ok) return NULL;                                                            \
  } while (0)

static napi_value throw_range(napi_env env, const char *msg) {
  napi_throw_range_error(env, NULL, msg);
  return NULL;
}

static napi_value undefined(napi_env env) {
  napi_value u;
  napi_get_undefined(env, &u);
  return u;
}

/* Bytes of a Uint8Array (or Buffer) argument; 0 on success. */
static int bytes_of(napi_env env, napi_value v, unsigned char **data, size_t *len) {
  napi_typedarray_type t;
  napi_value ab;
  size_t bo;
  void *p;
  if (napi_get_typedarray_info(env, v, &t, len, &p, &ab, &bo) != napi_ok || t != napi_uint8_array) {
    napi_throw_type_error(env, NULL, "expected a Uint8Array");
    return -1;
  }
  *data = (unsigned char *) p;
  return 0;
}

static int int_of(napi_env env, napi_value v, int32_t *out) {
  if (napi_get_value_int32(env, v, out) != napi_ok) {
    napi_throw_type_error(env, NULL, "expected a number");
    return -1;
  }
  return 0;
}

/* [off, off+len) inside a buffer of n bytes. */
static int in_range(int32_t off, int32_t len, size_t n) {
  return off >= 0 && len >= 0 && (size_t) off + (size_t) len <= n;
}

static void release(napi_env env, prim_t *p) {
  if (p->closed) return;
  p->closed = 1;
  if (p->slot >= 0) {
    instance_t *inst = p->inst;
    inst->tab[p->slot] = NULL;
    inst->next_free[p->slot] = inst->free_head;
    inst->free_head = p->slot;
    p->slot = -1;
  }
  if (p->gcm) CRYPTO_gcm128_release(p->gcm); /* cleanses it */
  if (p->c1) EVP_CIPHER_CTX_free(p->c1);
  if (p->c2) EVP_CIPHER_CTX_free(p->c2);
  p->gcm = NULL;
  p->c1 = p->c2 = NULL;
  OPENSSL_cleanse(&p->inner, sizeof(p->inner));
  OPENSSL_cleanse(&p->outer, sizeof(p->outer));
  if (p->ref) napi_delete_reference(env, p->ref);
  p->ref = NULL;
  p->io = NULL;
}

/* GC finalizer of the external; also runs at env teardown, possibly after instance_free. */
static void finalize(napi_env env, void *data, void *hint) {
  prim_t *p = (prim_t *) data;
  instance_t *inst = p->inst;
  release(env, p);
  OPENSSL_cleanse(p, sizeof(*p));
  free(p);
  if (--inst->live == 0 && inst->dead) instance_destroy(inst);
}

/* The open prim_t in slot argument `v`, if it is of `kind`; throws otherwise (a freed or wrong
 * slot is a caller bug, never a crash). */
static prim_t *handle_of(napi_env env, napi_value v, int kind) {
  int32_t i;
  instance_t *inst = NULL;
  if (napi_get_value_int32(env, v, &i) != napi_ok || napi_get_instance_data(env, (void **) &inst) != napi_ok || !inst) {
    napi_throw_type_error(env, NULL, "expected an SRTP primitive slot");
    return NULL;
  }
  prim_t *p = i >= 0 && i < inst->cap ? inst->tab[i] : NULL;
  if (p == NULL) {
    napi_throw_error(env, NULL, "SRTP primitive slot not open (used after free()?)");
    return NULL;
  }
  if (p->kind != kind) {
    napi_throw_type_error(env, NULL, "wrong SRTP primitive slot");
    return NULL;
  }
  return p;
}

/* A new handle of `kind`, registering the Uint8Array `io` of exactly `io_len` bytes. */
static prim_t *new_prim(napi_env env, int kind, napi_value io, size_t io_len, napi_value *handle) {
  unsigned char *d;
  size_t n;
  if (bytes_of(env, io, &d, &n)) return NULL;
  if (n != io_len) {
    throw_range(env, "registered array has the wrong length");
    return NULL;
  }
  instance_t *inst = NULL;
  if (napi_get_instance_data(env, (void **) &inst) != napi_ok || !inst) {
    napi_throw_error(env, NULL, "srtp_crypto not initialised");
    return NULL;
  }
  prim_t *p = (prim_t *) calloc(1, sizeof(prim_t));
  if (!p) {
    napi_throw_error(env, NULL, "out of memory");
    return NULL;
  }
  p->kind = kind;
  p->io = d;
  p->inst = inst;
  p->slot = slot_alloc(inst, p);
  if (p->slot < 0 || napi_create_reference(env, io, 1, &p->ref) != napi_ok) {
    if (p->slot >= 0) {
      inst->tab[p->slot] = NULL;
      inst->next_free[p->slot] = inst->free_head;
      inst->free_head = p->slot;
    }
    free(p);
    napi_throw_error(env, NULL, "cannot create handle");
    return NULL;
  }
  inst->live++;
  if (napi_create_external(env, p, finalize, NULL, handle) != napi_ok) {
    /* Not owned by any external: release and free it here (finalize() does exactly that). */
    finalize(env, p, NULL);
    napi_throw_error(env, NULL, "cannot create handle");
    return NULL;
  }
  return p;
}

static const EVP_CIPHER *ecb_for(size_t key_len) {
  switch (key_len) {
  case 16: return EVP_aes_128_ecb();
  case 24: return EVP_aes_192_ecb();
  case 32: return EVP_aes_256_ecb();
  default: return NULL;
  }
}

static EVP_CIPHER_CTX *keyed(const EVP_CIPHER *c, const unsigned char *key, int enc) {
  EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
  if (!x) return NULL;
  if (EVP_CipherInit_ex(x, c, NULL, key, NULL, enc) != 1) {
    EVP_CIPHER_CTX_free(x);
    return NULL;
  }
  EVP_CIPHER_CTX_set_padding(x, 0);
  return x;
}

/* ECB-encrypts n (multiple of 16, <= CTR_CHUNK) bytes of in into out. */
static int ecb(EVP_CIPHER_CTX *c, const unsigned char *in, unsigned char *out, int n) {
  int outl = 0;
  return EVP_EncryptUpdate(c, out, &outl, in, n) == 1 && outl == n ? 0 : -1;
}

/* ---- AES-CM: ctrNew(key, iv[16]) / ctrXor(h, buf, off, len) ---- */

/*
 * The (h, buf, off, len) head of the per-packet calls: the handle of `kind`, and buf[off, off+len)
 * checked to lie in the buffer. 0 on success; otherwise a JS exception is pending.
 */
static int range_args(napi_env env, napi_value *argv, int kind, prim_t **p, unsigned char **data, int32_t *len) {
  unsigned char *buf;
  size_t n;
  int32_t off;
  if (!(*p = handle_of(env, argv[0], kind)) || bytes_of(env, argv[1], &buf, &n) || int_of(env, argv[2], &off) ||
      int_of(env, argv[3], len))
    return -1;
  if (!in_range(off, *len, n)) {
    throw_range(env, "range outside the buffer");
    return -1;
  }
  *data = buf + off;
  return 0;
}

static napi_value ctr_new(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], h;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  unsigned char *key;
  size_t klen;
  if (argc < 2 || bytes_of(env, argv[0], &key, &klen)) return NULL;
  const EVP_CIPHER *c = ecb_for(klen);
  if (!c) return throw_range(env, "AES key must be 16, 24 or 32 bytes");
  prim_t *p = new_prim(env, K_CTR, argv[1], 16, &h);
  if (!p) return NULL;
  if (!(p->c1 = keyed(c, key, 1))) {
    release(env, p);
    napi_throw_error(env, NULL, "OpenSSL AES init failed");
    return NULL;
  }
  return h;
}

static napi_value ctr_xor(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 4) return throw_range(env, "ctrXor(h, buf, off, len)");
  prim_t *p;
  unsigned char *data;
  int32_t len;
  if (range_args(env, argv, K_CTR, &p, &data, &len)) return NULL;
  /* RFC 3711 4.1.1: block j is E(k_e, IV + j mod 2^128). */
  unsigned char ctr[16];
  memcpy(ctr, p->io, 16);
  unsigned char *d = data, *blk = p->inst->blk, *ks = p->inst->ks;
  while (len > 0) {
    int chunk = len < CTR_CHUNK ? len : CTR_CHUNK;
    int blocks = (chunk + 15) >> 4;
    for (int j = 0; j < blocks; j++) {
      memcpy(blk + 16 * j, ctr, 16);
      for (int k = 15; k >= 0 && ++ctr[k] == 0; k--) {
      }
    }
    if (ecb(p->c1, blk, ks, blocks * 16)) {
      napi_throw_error(env, NULL, "OpenSSL AES failed");
      return NULL;
    }
    for (int i = 0; i < chunk; i++) d[i] ^= ks[i];
    d += chunk;
    len -= chunk;
  }
  return undefined(env);
}

/* ---- AES-f8: f8New(key, salt, iv[16]) / f8Xor(h, buf, off, len) ---- */

static napi_value f8_new(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3], h;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  unsigned char *key, *salt;
  size_t klen, slen;
  if (argc < 3 || bytes_of(env, argv[0], &key, &klen) || bytes_of(env, argv[1], &salt, &slen)) return NULL;
  const EVP_CIPHER *c = ecb_for(klen);
  if (!c) return throw_range(env, "AES key must be 16, 24 or 32 bytes");
  if (slen > klen) return throw_range(env, "f8 salt longer than the key");
  prim_t *p = new_prim(env, K_F8, argv[2], 16, &h);
  if (!p) return NULL;
  /* RFC 3711 4.1.2.1: m = k_s || 0x555..5 (to the key length); IV' = E(k_e XOR m, IV). */
  unsigned char km[32];
  for (size_t i = 0; i < klen; i++) km[i] = key[i] ^ (i < slen ? salt[i] : 0x55);
  p->c1 = keyed(c, key, 1);
  p->c2 = keyed(c, km, 1);
  OPENSSL_cleanse(km, sizeof(km));
  if (!p->c1 || !p->c2) {
    release(env, p);
    napi_throw_error(env, NULL, "OpenSSL AES init failed");
    return NULL;
  }
  return h;
}

static napi_value f8_xor(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 4) return throw_range(env, "f8Xor(h, buf, off, len)");
  prim_t *p;
  unsigned char *data;
  int32_t len;
  if (range_args(env, argv, K_F8, &p, &data, &len)) return NULL;
  if (len == 0) return undefined(env);
  unsigned char ivp[16], s[16], x[16];
  if (ecb(p->c2, p->io, ivp, 16)) goto fail;
  /* S(-1) = 0; S(j) = E(k_e, IV' XOR j XOR S(j-1)), j a 128-bit counter (here < 2^32). */
  memset(s, 0, 16);
  unsigned char *d = data;
  for (uint32_t j = 0; len > 0; j++) {
    for (int k = 0; k < 16; k++) x[k] = ivp[k] ^ s[k];
    x[12] ^= (unsigned char) (j >> 24);
    x[13] ^= (unsigned char) (j >> 16);
    x[14] ^= (unsigned char) (j >> 8);
    x[15] ^= (unsigned char) j;
    if (ecb(p->c1, x, s, 16)) goto fail;
    int chunk = len < 16 ? len : 16;
    for (int i = 0; i < chunk; i++) d[i] ^= s[i];
    d += chunk;
    len -= chunk;
  }
  return undefined(env);
fail:
  napi_throw_error(env, NULL, "OpenSSL AES failed");
  return NULL;
}

/* ---- HMAC-SHA1: hmacNew(key, out[20]) / hmacMac(h, buf, off, len, extra) ---- */

static napi_value hmac_new(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], h;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  unsigned char *key;
  size_t klen;
  if (argc < 2 || bytes_of(env, argv[0], &key, &klen)) return NULL;
  prim_t *p = new_prim(env, K_HMAC, argv[1], SHA_DIGEST_LENGTH, &h);
  if (!p) return NULL;
  /* RFC 2104 section 2: a key longer than the 64-byte block is hashed first. */
  unsigned char k[SHA_CBLOCK], pad[SHA_CBLOCK];
  memset(k, 0, sizeof(k));
  if (klen > SHA_CBLOCK)
    SHA1(key, klen, k);
  else
    memcpy(k, key, klen);
  for (int i = 0; i < SHA_CBLOCK; i++) pad[i] = k[i] ^ 0x36;
  SHA1_Init(&p->inner);
  SHA1_Update(&p->inner, pad, SHA_CBLOCK);
  for (int i = 0; i < SHA_CBLOCK; i++) pad[i] = k[i] ^ 0x5c;
  SHA1_Init(&p->outer);
  SHA1_Update(&p->outer, pad, SHA_CBLOCK);
  OPENSSL_cleanse(k, sizeof(k));
  OPENSSL_cleanse(pad, sizeof(pad));
  return h;
}

/* extra: a u32 appended big-endian (the SRTP ROC, RFC 3711 4.2), or -1 for none. */
static napi_value hmac_mac(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 5) return throw_range(env, "hmacMac(h, buf, off, len, extra)");
  prim_t *p;
  unsigned char *data;
  int32_t len;
  int64_t extra;
  if (range_args(env, argv, K_HMAC, &p, &data, &len)) return NULL;
  if (napi_get_value_int64(env, argv[4], &extra) != napi_ok) {
    napi_throw_type_error(env, NULL, "expected a number");
    return NULL;
  }
  SHA_CTX c = p->inner;
  unsigned char d[SHA_DIGEST_LENGTH];
  SHA1_Update(&c, data, (size_t) len);
  if (extra >= 0) {
    unsigned char e[4] = {(unsigned char) (extra >> 24), (unsigned char) (extra >> 16), (unsigned char) (extra >> 8),
                          (unsigned char) extra};
    SHA1_Update(&c, e, 4);
  }
  SHA1_Final(d, &c);
  c = p->outer;
  SHA1_Update(&c, d, SHA_DIGEST_LENGTH);
  SHA1_Final(p->io, &c);
  return undefined(env);
}

/* ---- AES-GCM: gcmNew(key, iv[12]) / gcmSeal(...) / gcmOpen(...) ----
 *
 * OpenSSL's GCM128 mode functions (GHASH with PCLMULQDQ where the CPU has it) driven by our keyed
 * ECB context for the AES part: the counter blocks of a packet go through one ECB call (AES-NI,
 * pipelined), as for AES-CM. Measured ~30 % cheaper per packet than EVP's aes-*-gcm, whose
 * per-packet IV init, final and tag ctrl go through OpenSSL 3's provider parameter machinery. */

/* block128_f: one AES block with the prim_t's ECB context (H, E(J0)). */
static void gcm_block(const unsigned char in[16], unsigned char out[16], const void *key) {
  int outl;
  EVP_EncryptUpdate(((const prim_t *) key)->c1, out, &outl, in, 16);
}

/* ctr128_f: `blocks` counter-mode blocks from ivec, incrementing its low 32 bits (big-endian). */
static void gcm_ctr32(const unsigned char *in, unsigned char *out, size_t blocks, const void *key,
                      const unsigned char ivec[16]) {
  prim_t *p = (prim_t *) key;
  unsigned char *blk = p->inst->blk, *ks = p->inst->ks;
  uint32_t n = ((uint32_t) ivec[12] << 24) | ((uint32_t) ivec[13] << 16) | ((uint32_t) ivec[14] << 8) | ivec[15];
  while (blocks > 0) {
    size_t b = blocks < CTR_CHUNK / 16 ? blocks : CTR_CHUNK / 16;
    for (size_t j = 0; j < b; j++, n++) {
      unsigned char *c = blk + 16 * j;
      memcpy(c, ivec, 12);
      c[12] = (unsigned char) (n >> 24);
      c[13] = (unsigned char) (n >> 16);
      c[14] = (unsigned char) (n >> 8);
      c[15] = (unsigned char) n;
    }
    ecb(p->c1, blk, ks, (int) (16 * b));
    for (size_t i = 0; i < 16 * b; i++) out[i] = in[i] ^ ks[i];
    in += 16 * b;
    out += 16 * b;
    blocks -= b;
  }
}

static napi_value gcm_new(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], h;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  unsigned char *key;
  size_t klen;
  if (argc < 2 || bytes_of(env, argv[0], &key, &klen)) return NULL;
  if (klen != 16 && klen != 32) return throw_range(env, "AES-GCM key must be 16 or 32 bytes");
  prim_t *p = new_prim(env, K_GCM, argv[1], 12, &h);
  if (!p) return NULL;
  /* Keyed once; CRYPTO_gcm128_new computes H = E(k, 0^128) through gcm_block. */
  if (!(p->c1 = keyed(ecb_for(klen), key, 1)) || !(p->gcm = CRYPTO_gcm128_new(p, gcm_block))) {
    release(env, p);
    napi_throw_error(env, NULL, "OpenSSL AES-GCM init failed");
    return NULL;
  }
  return h;
}

typedef struct {
  prim_t *p;
  unsigned char *buf;
  int32_t aad_off, aad_len, aad2_off, aad2_len, txt_off, txt_len, tag_off;
} gcm_args_t;

/* (h, buf, aadOff, aadLen, aad2Off, aad2Len, txtOff, txtLen, tagOff); 0 on success. */
static int gcm_args(napi_env env, napi_callback_info info, gcm_args_t *a) {
  size_t argc = 9;
  napi_value argv[9];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return -1;
  if (argc < 9) {
    throw_range(env, "gcm(h, buf, aadOff, aadLen, aad2Off, aad2Len, txtOff, txtLen, tagOff)");
    return -1;
  }
  size_t n;
  if (!(a->p = handle_of(env, argv[0], K_GCM)) || bytes_of(env, argv[1], &a->buf, &n)) return -1;
  int32_t *v[7] = {&a->aad_off, &a->aad_len, &a->aad2_off, &a->aad2_len, &a->txt_off, &a->txt_len, &a->tag_off};
  for (int i = 0; i < 7; i++)
    if (int_of(env, argv[2 + i], v[i])) return -1;
  if (!in_range(a->aad_off, a->aad_len, n) || !in_range(a->aad2_off, a->aad2_len, n) ||
      !in_range(a->txt_off, a->txt_len, n) || !in_range(a->tag_off, 16, n) || a->txt_len > GCM_SCRATCH) {
    throw_range(env, "range outside the buffer");
    return -1;
  }
  return 0;
}

static napi_value gcm_seal(napi_env env, napi_callback_info info) {
  gcm_args_t a;
  if (gcm_args(env, info, &a)) return NULL;
  GCM128_CONTEXT *g = a.p->gcm;
  unsigned char *b = a.buf;
  /* RFC 7714 sections 8/9: AAD first, then the plaintext encrypted in place, then the tag. The
   * 12-byte IV gives J0 = IV || 0^31 || 1 (NIST SP 800-38D section 7.1). */
  CRYPTO_gcm128_setiv(g, a.p->io, 12);
  if ((a.aad_len > 0 && CRYPTO_gcm128_aad(g, b + a.aad_off, (size_t) a.aad_len)) ||
      (a.aad2_len > 0 && CRYPTO_gcm128_aad(g, b + a.aad2_off, (size_t) a.aad2_len)) ||
      (a.txt_len > 0 && CRYPTO_gcm128_encrypt_ctr32(g, b + a.txt_off, b + a.txt_off, (size_t) a.txt_len, gcm_ctr32))) {
    napi_throw_error(env, NULL, "AES-GCM seal failed");
    return NULL;
  }
  CRYPTO_gcm128_tag(g, b + a.tag_off, 16);
  return undefined(env);
}

/* Returns true and decrypts in place if the tag verifies; false, the buffer untouched, if not. */
static napi_value gcm_open(napi_env env, napi_callback_info info) {
  gcm_args_t a;
  if (gcm_args(env, info, &a)) return NULL;
  instance_t *inst = a.p->inst;
  GCM128_CONTEXT *g = a.p->gcm;
  unsigned char *b = a.buf;
  int ok = 0;
  CRYPTO_gcm128_setiv(g, a.p->io, 12);
  /* Plaintext goes to the scratch area and over the ciphertext only once the tag verified
   * (CRYPTO_gcm128_finish compares in constant time, 0 = match). */
  if ((a.aad_len == 0 || CRYPTO_gcm128_aad(g, b + a.aad_off, (size_t) a.aad_len) == 0) &&
      (a.aad2_len == 0 || CRYPTO_gcm128_aad(g, b + a.aad2_off, (size_t) a.aad2_len) == 0) &&
      (a.txt_len == 0 || CRYPTO_gcm128_decrypt_ctr32(g, b + a.txt_off, inst->scratch, (size_t) a.txt_len, gcm_ctr32) == 0) &&
      CRYPTO_gcm128_finish(g, b + a.tag_off, 16) == 0)
    ok = 1;
  if (ok && a.txt_len > 0) memcpy(b + a.txt_off, inst->scratch, (size_t) a.txt_len);
  napi_value r;
  napi_get_boolean(env, ok, &r);
  return r;
}

/* ---- free(h): idempotent ---- */

static napi_value prim_free(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  void *d = NULL;
  if (argc < 1 || napi_get_value_external(env, argv[0], &d) != napi_ok || d == NULL) {
    napi_throw_type_error(env, NULL, "expected an SRTP primitive handle");
    return NULL;
  }
  release(env, (prim_t *) d);
  return undefined(env);
}

/* slotOf(h): the slot number per-packet calls take for handle h (-1 once freed). */
static napi_value prim_slot(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], r;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  void *d = NULL;
  if (argc < 1 || napi_get_value_external(env, argv[0], &d) != napi_ok || d == NULL) {
    napi_throw_type_error(env, NULL, "expected an SRTP primitive handle");
    return NULL;
  }
  CHECK(napi_create_int32(env, ((prim_t *) d)->slot, &r));
  return r;
}

static void instance_free(napi_env env, void *data, void *hint) {
  instance_t *inst = (instance_t *) data;
  if (!inst) return;
  inst->dead = 1;
  if (inst->live == 0) instance_destroy(inst);
}

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */) {
  instance_t *inst = (instance_t *) calloc(1, sizeof(instance_t));
  if (!inst || !(inst->scratch = (unsigned char *) malloc(GCM_SCRATCH + 16))) {
    free(inst);
    napi_throw_error(env, NULL, "out of memory");
    return NULL;
  }
  inst->free_head = -1;
  if (napi_set_instance_data(env, inst, instance_free, NULL) != napi_ok) {
    instance_free(env, inst, NULL);
    return NULL;
  }
  napi_property_descriptor props[] = {
      {"ctrNew", NULL, ctr_new, NULL, NULL, NULL, napi_enumerable, NULL},
      {"ctrXor", NULL, ctr_xor, NULL, NULL, NULL, napi_enumerable, NULL},
      {"f8New", NULL, f8_new, NULL, NULL, NULL, napi_enumerable, NULL},
      {"f8Xor", NULL, f8_xor, NULL, NULL, NULL, napi_enumerable, NULL},
      {"hmacNew", NULL, hmac_new, NULL, NULL, NULL, napi_enumerable, NULL},
      {"hmacMac", NULL, hmac_mac, NULL, NULL, NULL, napi_enumerable, NULL},
      {"gcmNew", NULL, gcm_new, NULL, NULL, NULL, napi_enumerable, NULL},
      {"gcmSeal", NULL, gcm_seal, NULL, NULL, NULL, napi_enumerable, NULL},
      {"gcmOpen", NULL, gcm_open, NULL, NULL, NULL, napi_enumerable, NULL},
      {"free", NULL, prim_free, NULL, NULL, NULL, napi_enumerable, NULL},
      {"slotOf", NULL, prim_slot, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props) != napi_ok) return NULL;
  return exports;
}

#endif /* SRTP_CRYPTO_STUB */
