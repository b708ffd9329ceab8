/* websocket.c - the server side of RFC 6455, as much as the serial
 * console proxy needs: the handshake's accept key (SHA-1, kept here: only
 * websockets need it) and a relay between a websocket client and a raw
 * byte stream. Frames from the client (masked, as RFC 6455 wants; text,
 * binary or continuation) pass their payload on; pings are answered;
 * bytes from the raw side go out as binary frames. */
#include <errno.h>
#include <poll.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http/http.h"

#define WS_GUID	     "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
#define WS_FRAME_MAX (64 * 1024) /* the largest frame a client may send */

static uint32_t rol(uint32_t x, int n)
{
	return x << n | x >> (32 - n);
}

/* SHA-1 (FIPS 180-4) of data[0..len): only for the handshake. */
static void sha1(const unsigned char *data, size_t len, unsigned char out[20])
{
	uint32_t h[5] = { 0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0 };
	unsigned char block[64];
	uint64_t bits = (uint64_t)len * 8;
	size_t total = (len + 9 + 63) / 64 * 64;

	for (size_t off = 0; off < total; off += 64) {
		uint32_t w[80], a, b, c, d, e;
		for (size_t i = 0; i < 64; i++) {
			size_t p = off + i;
			block[i] = p < len ? data[p] : p == len ? 0x80 : 0;
			if (p >= total - 8)
				block[i] = (unsigned char)(bits >> (8 * (total - 1 - p)));
		}
		for (int i = 0; i < 16; i++)
			w[i] = (uint32_t)block[4 * i] << 24 | (uint32_t)block[4 * i + 1] << 16 |
			       (uint32_t)block[4 * i + 2] << 8 | block[4 * i + 3];
		for (int i = 16; i < 80; i++)
			w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
		a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
		for (int i = 0; i < 80; i++) {
			uint32_t f, k, t;
			if (i < 20)
				f = (b & c) | (~b & d), k = 0x5A827999;
			else if (i < 40)
				f = b ^ c ^ d, k = 0x6ED9EBA1;
			else if (i < 60)
				f = (b & c) | (b & d) | (c & d), k = 0x8F1BBCDC;
			else
				f = b ^ c ^ d, k = 0xCA62C1D6;
			t = rol(a, 5) + f + e + k + w[i];
			e = d, d = c, c = rol(b, 30), b = a, a = t;
		}
		h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e;
	}
	for (int i = 0; i < 20; i++)
		out[i] = (unsigned char)(h[i / 4] >> (24 - 8 * (i % 4)));
}

int ws_accept_key(const char *key, char out[29])
{
	char buf[128];
	unsigned char d[20];
	int n = snprintf(buf, sizeof(buf), "%s" WS_GUID, key ? key : "");

	if (!key || !key[0] || n < 0 || (size_t)n >= sizeof(buf))
		return -EINVAL;
	sha1((const unsigned char *)buf, (size_t)n, d);
	sodium_bin2base64(out, 29, d, sizeof(d), sodium_base64_VARIANT_ORIGINAL);
	return 0;
}

/* Write all of buf to fd (non-blocking or not), waiting up to 10 s for room. */
static int write_full(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == ENOTSOCK)
			n = write(fd, p, len);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			struct pollfd pf = { .fd = fd, .events = POLLOUT };
			if (poll(&pf, 1, 10000) <= 0)
				return -ETIMEDOUT;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EPIPE;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int send_frame(int fd, int opcode, const void *data, size_t len)
{
	unsigned char h[10];
	size_t hl = 2;

	h[0] = (unsigned char)(0x80 | opcode);
	if (len < 126) {
		h[1] = (unsigned char)len;
	} else if (len < 65536) {
		h[1] = 126, h[2] = (unsigned char)(len >> 8), h[3] = (unsigned char)len;
		hl = 4;
	} else {
		h[1] = 127;
		for (int i = 0; i < 8; i++)
			h[2 + i] = (unsigned char)((uint64_t)len >> (56 - 8 * i));
		hl = 10;
	}
	int r = write_full(fd, h, hl);
	return r < 0 || len == 0 ? r : write_full(fd, data, len);
}

void ws_close(int ws, int code)
{
	unsigned char c[2] = { (unsigned char)(code >> 8), (unsigned char)code };

	send_frame(ws, 8, c, sizeof(c));
}

/* Consume the complete frames at the front of in[0..*len): payloads to
 * raw, pings answered. 1 when the client closed, 0 to go on, -errno. */
static int ws_frames(int ws, int raw, unsigned char *in, size_t *len)
{
	for (;;) {
		size_t n = *len, hl = 2, plen;
		unsigned char *mask = NULL;
		if (n < 2)
			return 0;
		int opcode = in[0] & 0x0f;
		plen = in[1] & 0x7f;
		if (plen == 126) {
			if (n < 4)
				return 0;
			plen = (size_t)in[2] << 8 | in[3];
			hl = 4;
		} else if (plen == 127) {
			if (n < 10)
				return 0;
			plen = 0;
			for (int i = 0; i < 8; i++)
				plen = plen << 8 | in[2 + i];
			hl = 10;
		}
		if (plen > WS_FRAME_MAX) {
			ws_close(ws, 1009);
			return -EMSGSIZE;
		}
		if (in[1] & 0x80) {
			mask = in + hl;
			hl += 4;
		}
		if (n < hl + plen)
			return 0;
		unsigned char *p = in + hl;
		for (size_t i = 0; mask && i < plen; i++)
			p[i] ^= mask[i % 4];
		int r = 0;
		if (opcode == 8) {
			ws_close(ws, 1000);
			return 1;
		}
		if (opcode == 9)
			r = send_frame(ws, 10, p, plen);
		else if (opcode <= 2 && plen)
			r = write_full(raw, p, plen);
		if (r < 0)
			return r;
		memmove(in, in + hl + plen, n - hl - plen);
		*len = n - hl - plen;
	}
}

int ws_relay(int ws, const char *extra, size_t extra_len, int raw, int idle_ms)
{
	static const size_t cap = WS_FRAME_MAX + 16;
	unsigned char *in = malloc(cap), out[4096];
	size_t len = 0;
	int r = 0;

	if (!in)
		return -ENOMEM;
	if (extra_len > cap)
		extra_len = cap;
	if (extra_len) /* extra may be NULL when there is none */
		memcpy(in, extra, extra_len);
	len = extra_len;
	r = ws_frames(ws, raw, in, &len);
	while (r == 0) {
		struct pollfd pf[2] = { { .fd = ws, .events = POLLIN }, { .fd = raw, .events = POLLIN } };
		int n = poll(pf, 2, idle_ms);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ws_close(ws, 1001); /* idle, or poll failed */
			r = n < 0 ? -errno : -ETIMEDOUT;
			break;
		}
		if (pf[1].revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t got = recv(raw, out, sizeof(out), MSG_DONTWAIT);
			if (got < 0 && errno == ENOTSOCK)
				got = read(raw, out, sizeof(out));
			if (got == 0 || (got < 0 && errno != EAGAIN && errno != EINTR)) {
				ws_close(ws, 1000); /* the console went away */
				break;
			}
			if (got > 0 && (r = send_frame(ws, 2, out, (size_t)got)) < 0)
				break;
		}
		if (pf[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t got = recv(ws, in + len, cap - len, MSG_DONTWAIT);
			if (got == 0 || (got < 0 && errno != EAGAIN && errno != EINTR))
				break;
			if (got > 0) {
				len += (size_t)got;
				r = ws_frames(ws, raw, in, &len);
			}
		}
	}
	free(in);
	return r < 0 ? r : 0;
}
