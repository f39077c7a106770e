// LD_PRELOAD shim for h2load, which has no client-certificate option.
//
// SSL_CTX_new: after the real call, loads the certificate chain and key named by
//   H2LOAD_CLIENT_CERT and H2LOAD_CLIENT_KEY (PEM) into the new context, so every connection
//   h2load makes presents that client certificate (mTLS). A file that does not load is fatal.
// SSL_write: when H2LOAD_PLACEHOLDER_EVERY=N (N >= 1) is set, every run of twelve '~' in the
//   plaintext about to be sent is replaced, in place, with twelve digits: the number of runs
//   rewritten so far divided by N. A request body holding such a run in its task id then carries a
//   new task id every N requests, although h2load sends one body file. '~' is not valid in a task
//   id, so a placeholder that ever reached the server unrewritten is rejected and shows up as a
//   missing lease. A retried write finds digits and is left alone.
//
// Built without OpenSSL headers: the few prototypes are declared here with opaque types.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct ssl_ctx_st SSL_CTX;
typedef struct ssl_st SSL;
typedef struct ssl_method_st SSL_METHOD;

#define PEM_FILETYPE 1
#define PLACEHOLDER_LEN 12

static unsigned long long rewritten;
/** 0: no rewriting; -1: not read from the environment yet. */
static long long rewrite_every = -1;

static void *next_symbol(const char *name) {
  void *sym = dlsym(RTLD_NEXT, name);
  if (sym == NULL) {
    fprintf(stderr, "h2load-client-cert: cannot find %s\n", name);
    exit(97);
  }
  return sym;
}

SSL_CTX *SSL_CTX_new(const SSL_METHOD *method) {
  static SSL_CTX *(*real_new)(const SSL_METHOD *);
  if (real_new == NULL) real_new = (SSL_CTX * (*)(const SSL_METHOD *)) next_symbol("SSL_CTX_new");
  SSL_CTX *ctx = real_new(method);
  const char *cert = getenv("H2LOAD_CLIENT_CERT");
  const char *key = getenv("H2LOAD_CLIENT_KEY");
  if (ctx == NULL || cert == NULL || key == NULL) return ctx;

  int (*use_chain)(SSL_CTX *, const char *) =
      (int (*)(SSL_CTX *, const char *))next_symbol("SSL_CTX_use_certificate_chain_file");
  int (*use_key)(SSL_CTX *, const char *, int) =
      (int (*)(SSL_CTX *, const char *, int))next_symbol("SSL_CTX_use_PrivateKey_file");
  int (*check_key)(const SSL_CTX *) = (int (*)(const SSL_CTX *))next_symbol("SSL_CTX_check_private_key");
  if (use_chain(ctx, cert) != 1 || use_key(ctx, key, PEM_FILETYPE) != 1 || check_key(ctx) != 1) {
    fprintf(stderr, "h2load-client-cert: cannot load the client certificate %s with key %s\n", cert, key);
    exit(97);
  }
  return ctx;
}

static void rewrite_placeholders(unsigned char *buf, int num) {
  int run = 0;
  for (int i = 0; i < num; i++) {
    if (buf[i] != '~') {
      run = 0;
      continue;
    }
    if (++run < PLACEHOLDER_LEN) continue;
    char digits[PLACEHOLDER_LEN + 1];
    unsigned long long n = __atomic_fetch_add(&rewritten, 1, __ATOMIC_RELAXED);
    snprintf(digits, sizeof digits, "%012llu", (n / (unsigned long long)rewrite_every) % 1000000000000ULL);
    memcpy(buf + i + 1 - PLACEHOLDER_LEN, digits, PLACEHOLDER_LEN);
    run = 0;
  }
}

int SSL_write(SSL *ssl, const void *buf, int num) {
  static int (*real_write)(SSL *, const void *, int);
  if (real_write == NULL) real_write = (int (*)(SSL *, const void *, int))next_symbol("SSL_write");
  if (rewrite_every < 0) {
    const char *every = getenv("H2LOAD_PLACEHOLDER_EVERY");
    rewrite_every = every == NULL ? 0 : strtoll(every, NULL, 10);
    if (rewrite_every < 0) rewrite_every = 0;
  }
  // h2load hands over its own writable buffer; rewriting in place keeps a retried write identical.
  if (rewrite_every > 0 && num > 0) rewrite_placeholders((unsigned char *)buf, num);
  return real_write(ssl, buf, num);
}

__attribute__((destructor)) static void report(void) {
  if (rewrite_every > 0) fprintf(stderr, "h2load-client-cert: rewrote %llu placeholders\n", rewritten);
}
