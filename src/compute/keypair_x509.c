/* keypair_x509.c - Nova's x509 key pairs (microversion 2.2): the
 * fingerprint of a PEM certificate (SHA-1 of its DER, as Nova's
 * generate_x509_fingerprint), and a new self-signed client certificate for
 * a user, made as Nova makes it: by the openssl command (req -x509, then
 * pkcs12 -export of the key with an empty password). */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "compute/compute.h"
#include "core/log.h"
#include "core/util.h"
#include "core/sha1.h"

extern char **environ;

#define PEM_BEGIN "-----BEGIN CERTIFICATE-----"
#define PEM_END "-----END CERTIFICATE-----"

/* Read the DER header at p[*off] (of n bytes): its tag, and the length of
 * its content, which must fit; *off moves to the content. 0 or -EINVAL. */
static int der_header(const unsigned char *p, size_t n, size_t *off, unsigned char *tag,
		      size_t *len)
{
	size_t o = *off, l;

	if (o + 2 > n)
		return -EINVAL;
	*tag = p[o++];
	l = p[o++];
	if (l & 0x80) {
		size_t k = l & 0x7f;
		if (k == 0 || k > 4 || o + k > n)
			return -EINVAL;
		for (l = 0; k--; )
			l = l << 8 | p[o++];
	}
	if (l > n - o)
		return -EINVAL;
	*off = o;
	*len = l;
	return 0;
}

/* The shape of an X.509 certificate: SEQUENCE { tbsCertificate SEQUENCE
 * (opening with its [0] version or its serial INTEGER), signatureAlgorithm
 * SEQUENCE, signatureValue BIT STRING }, filling der exactly. */
static bool der_is_certificate(const unsigned char *der, size_t n)
{
	static const unsigned char want[] = { 0x30, 0x30, 0x03 };
	size_t off = 0, len, end;
	unsigned char tag;

	if (der_header(der, n, &off, &tag, &len) < 0 || tag != 0x30 || off + len != n)
		return false;
	end = n;
	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		if (der_header(der, end, &off, &tag, &len) < 0 || tag != want[i])
			return false;
		if (i == 0 && (len == 0 || (der[off] != 0xa0 && der[off] != 0x02)))
			return false;
		off += len;
	}
	return off == end;
}

int keypair_x509_fingerprint(const char *pem, char fp[60], char *why, size_t whylen)
{
	const char *b = strstr(pem, PEM_BEGIN), *e;
	unsigned char *der, digest[20];
	size_t n = 0;

	e = b ? strstr(b, PEM_END) : NULL;
	if (!e) {
		snprintf(why, whylen, "Unable to load PEM file: no certificate in it.");
		return -EINVAL;
	}
	b += strlen(PEM_BEGIN);
	der = malloc((size_t)(e - b) + 1);
	if (!der)
		return -ENOMEM;
	if (sodium_base642bin(der, (size_t)(e - b) + 1, b, (size_t)(e - b), " \t\r\n", &n, NULL,
			      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    !der_is_certificate(der, n)) {
		free(der);
		snprintf(why, whylen, "Unable to load PEM file: the certificate is malformed.");
		return -EINVAL;
	}
	sha1(der, n, digest);
	free(der);
	for (int i = 0; i < 20; i++)
		snprintf(fp + 3 * i, 4, i == 19 ? "%02x" : "%02x:", digest[i]);
	return 0;
}

/* Run argv (openssl), its standard streams on /dev/null, no descriptor of
 * ours inherited; 0 when it exits 0, else -EIO (or -errno: no openssl). */
static int run(char *const argv[])
{
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int r, status;

	if (posix_spawn_file_actions_init(&fa) != 0)
		return -ENOMEM;
	r = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	if (r == 0)
		r = posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	if (r == 0)
		r = posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	if (r == 0)
		r = posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	if (r == 0)
		r = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (r != 0)
		return -r;
	while ((r = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
		;
	if (r < 0)
		return -errno;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		log_warn("keypair: %s %s failed (status %d)", argv[0], argv[1], status);
		return -EIO;
	}
	return 0;
}

/* The whole of file path (malloc'd, NUL-terminated) into *out, its size
 * in *len. 0 or -errno. */
static int slurp(const char *path, char **out, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (!f)
		return -errno;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && n < 1 << 20 &&
	    fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)n + 1)) &&
	    fread(buf, 1, (size_t)n, f) == (size_t)n) {
		buf[n] = '\0';
		*out = buf;
		*len = (size_t)n;
		fclose(f);
		return 0;
	}
	free(buf);
	fclose(f);
	return -EIO;
}

int keypair_x509_generate(const char *user_id, char **cert_out, char **priv_out, char fp[60])
{
	char dir[] = "/tmp/basalt-x509.XXXXXX", conf[64], key[64], crt[64], p12[64];
	char subj[300], why[128];
	char *cert = NULL, *pkcs = NULL, *priv = NULL;
	size_t clen = 0, plen = 0;
	FILE *f;
	int r;

	*cert_out = *priv_out = NULL;
	if (strlen(user_id) > 255 || strpbrk(user_id, "/\n"))
		return -EINVAL;
	if (!mkdtemp(dir))
		return -errno;
	snprintf(conf, sizeof(conf), "%s/temp.conf", dir);
	snprintf(key, sizeof(key), "%s/temp.key", dir);
	snprintf(crt, sizeof(crt), "%s/temp.crt", dir);
	snprintf(p12, sizeof(p12), "%s/temp.p12", dir);
	snprintf(subj, sizeof(subj), "/CN=%s", user_id);
	/* Nova's client certificate for WinRM: clientAuth, the user's UPN. */
	f = fopen(conf, "w");
	r = f ? 0 : -errno;
	if (f) {
		fprintf(f, "distinguished_name  = req_distinguished_name\n"
			   "[req_distinguished_name]\n"
			   "[v3_req_client]\n"
			   "extendedKeyUsage = clientAuth\n"
			   "subjectAltName = otherName:1.3.6.1.4.1.311.20.2.3;UTF8:%s@localhost\n",
			user_id);
		if (fclose(f) != 0)
			r = -EIO;
	}
	if (r >= 0) {
		char *const req[] = { "openssl", "req", "-x509", "-nodes", "-days", "3650",
				      "-config", conf, "-newkey", "rsa:2048", "-outform", "PEM",
				      "-keyout", key, "-out", crt, "-subj", subj,
				      "-extensions", "v3_req_client", NULL };
		r = run(req);
	}
	if (r >= 0) {
		char *const exp[] = { "openssl", "pkcs12", "-export", "-in", crt, "-inkey", key,
				      "-password", "pass:", "-out", p12, NULL };
		r = run(exp);
	}
	if (r >= 0)
		r = slurp(crt, &cert, &clen);
	if (r >= 0)
		r = slurp(p12, &pkcs, &plen);
	if (r >= 0 && keypair_x509_fingerprint(cert, fp, why, sizeof(why)) < 0)
		r = -EIO;
	if (r >= 0) {
		size_t n = sodium_base64_ENCODED_LEN(plen, sodium_base64_VARIANT_ORIGINAL);
		priv = malloc(n);
		if (priv)
			sodium_bin2base64(priv, n, (unsigned char *)pkcs, plen,
					  sodium_base64_VARIANT_ORIGINAL);
		else
			r = -ENOMEM;
	}
	if (pkcs)
		sodium_memzero(pkcs, plen);
	free(pkcs);
	unlink(key);
	unlink(conf);
	unlink(crt);
	unlink(p12);
	rmdir(dir);
	if (r < 0) {
		free(cert);
		free(priv);
		return r;
	}
	*cert_out = cert;
	*priv_out = priv;
	return 0;
}
