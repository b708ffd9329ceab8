// api.js - the session (tokens in sessionStorage, never a cookie) and calls
// to the public OpenStack APIs of this origin, exactly as any client makes
// them. Errors come back as ApiError with the service's own message.

const KEY = 'basalt.session';
let s = JSON.parse(sessionStorage.getItem(KEY) || 'null');

export class ApiError extends Error {
	constructor(status, message) {
		super(message);
		this.status = status;
	}
}

export const session = () => s;
export const isAdmin = () => !!s && s.roles.includes('admin');

function save(next) {
	s = next;
	if (s) sessionStorage.setItem(KEY, JSON.stringify(s));
	else sessionStorage.removeItem(KEY);
}

// The message of an error body in any of the services' shapes: Keystone's
// {"error": {"message"}}, Nova's {"badRequest": {"message"}}, Neutron's
// {"NeutronError": {"message"}}, Glance's plain text.
function messageOf(status, text) {
	let body;
	try {
		body = JSON.parse(text);
	} catch {
		const t = text.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim();
		return t || `HTTP ${status}`;
	}
	if (body && typeof body === 'object') {
		if (typeof body.message === 'string') return body.message;
		for (const v of Object.values(body))
			if (v && typeof v === 'object' && typeof v.message === 'string') return v.message;
	}
	return `HTTP ${status}`;
}

// The path of a service's public endpoint, from the token's catalog: the
// dashboard calls this origin, whatever host name the catalog uses.
function base(type) {
	if (type === 'identity') return '/v3';
	const svc = s && s.catalog.find((c) => c.type === type);
	const ep = svc && (svc.endpoints.find((e) => e.interface === 'public') || svc.endpoints[0]);
	if (!ep) throw new ApiError(0, `The catalog has no ${type} service.`);
	const path = new URL(ep.url, location.origin).pathname.replace(/\/$/, '');
	// Glance's and Neutron's endpoints are unversioned; clients add the version.
	if (type === 'network' && !/\/v2\.0$/.test(path)) return `${path}/v2.0`;
	if (type === 'image' && !/\/v2$/.test(path)) return `${path}/v2`;
	return path;
}

export async function call(type, method, path, body, opts = {}) {
	const headers = { Accept: 'application/json', ...(opts.headers || {}) };
	const token = opts.anonymous ? null : opts.token || (s && s.token);
	if (token) headers['X-Auth-Token'] = token;
	if (body !== undefined && !headers['Content-Type']) headers['Content-Type'] = 'application/json';
	const res = await fetch(base(type) + path, {
		method, headers, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
	});
	const text = await res.text();
	if (res.status === 401 && s && !opts.token && !opts.anonymous) {
		save(null);
		location.hash = '#/login';
	}
	if (!res.ok) throw new ApiError(res.status, messageOf(res.status, text));
	const out = text ? JSON.parse(text) : {};
	if (opts.subject) out.subjectToken = res.headers.get('X-Subject-Token');
	return out;
}

export const get = (type, path) => call(type, 'GET', path);
export const post = (type, path, body) => call(type, 'POST', path, body);
export const put = (type, path, body) => call(type, 'PUT', path, body);
export const del = (type, path) => call(type, 'DELETE', path);

async function issue(auth) {
	const r = await call('identity', 'POST', '/auth/tokens', { auth }, { subject: true, anonymous: true });
	return { id: r.subjectToken, token: r.token };
}

// Log in (an unscoped token), then scope to a project of the user's.
export async function login(user, password, domain) {
	const un = await issue({ identity: { methods: ['password'], password: { user: { name: user, password, domain: { name: domain } } } } });
	const projects = (await call('identity', 'GET', '/auth/projects', undefined, { token: un.id })).projects
		.filter((p) => p.enabled !== false)
		.sort((a, b) => a.name.localeCompare(b.name));
	if (!projects.length) {
		await revoke(un.id);
		throw new ApiError(403, 'You have no role on any project: ask an administrator for one.');
	}
	save({ unscoped: un.id, user: un.token.user, projects, token: null, roles: [], catalog: [] });
	await switchProject(projects[0].id);
}

// A token for another of the user's projects, from the unscoped one: no
// password again. The old project token is revoked.
export async function switchProject(projectId) {
	const old = s.token;
	const t = await issue({ identity: { methods: ['token'], token: { id: s.unscoped } }, scope: { project: { id: projectId } } });
	save({ ...s, token: t.id, project: t.token.project, roles: t.token.roles.map((r) => r.name), catalog: t.token.catalog || [],
		expires: t.token.expires_at });
	if (old) await revoke(old).catch(() => {});
}

async function revoke(token) {
	await call('identity', 'DELETE', '/auth/tokens', undefined, { token, headers: { 'X-Subject-Token': token } });
}

export async function logout() {
	const old = s;
	save(null);
	if (!old) return;
	await Promise.allSettled([old.token && revoke(old.token), old.unscoped && revoke(old.unscoped)]);
}

// Upload a file's bytes (images) with progress: fetch has no upload
// progress, XMLHttpRequest has.
export function upload(type, path, file, onprogress) {
	return new Promise((resolve, reject) => {
		const x = new XMLHttpRequest();
		x.open('PUT', base(type) + path);
		x.setRequestHeader('X-Auth-Token', s.token);
		x.setRequestHeader('Content-Type', 'application/octet-stream');
		x.upload.onprogress = (e) => e.lengthComputable && onprogress(e.loaded / e.total);
		x.onload = () => (x.status < 300 ? resolve() : reject(new ApiError(x.status, messageOf(x.status, x.responseText))));
		x.onerror = () => reject(new ApiError(0, 'The upload failed: the connection was lost.'));
		x.send(file);
	});
}
