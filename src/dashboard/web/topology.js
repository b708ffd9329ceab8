// topology.js - the picture users draw by hand: external networks on top,
// routers under them, then each project network as a bar with its
// instances under it, every link labelled with its address. Redrawn when
// the data changes (read every 2 s).
import * as api from './api.js';
import { h, clear, notice } from './dom.js';

const NS = 'http://www.w3.org/2000/svg';
const BOX_W = 170, BOX_H = 46, GAP = 30, BAR_H = 24, TOP = 20;

function s(tag, attrs, text) {
	const el = document.createElementNS(NS, tag);
	for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, String(v));
	if (text !== undefined) el.textContent = text;
	return el;
}

async function load() {
	const g = (p) => api.get('network', p);
	const [n, sub, r, p, sv] = await Promise.all([g('/networks'), g('/subnets'), g('/routers'), g('/ports'),
		api.get('compute', '/servers/detail')]);
	const cidrs = new Map();
	for (const x of sub.subnets) cidrs.set(x.network_id, [...(cidrs.get(x.network_id) || []), x.cidr]);
	const ports = p.ports.map((q) => ({ net: q.network_id, device: q.device_id, owner: q.device_owner, ips: q.fixed_ips.map((i) => i.ip_address) }));
	return {
		ext: n.networks.filter((x) => x['router:external']).map((x) => ({ id: x.id, name: x.name, cidrs: cidrs.get(x.id) || [] })),
		nets: n.networks.filter((x) => !x['router:external']).map((x) => ({ id: x.id, name: x.name, cidrs: cidrs.get(x.id) || [] })),
		routers: r.routers.map((x) => ({ id: x.id, name: x.name, gw: x.external_gateway_info && x.external_gateway_info.network_id,
			gwIps: (x.external_gateway_info && x.external_gateway_info.external_fixed_ips || []).map((i) => i.ip_address) })),
		servers: sv.servers.map((x) => ({ id: x.id, name: x.name, status: x.status,
			floating: Object.values(x.addresses || {}).flat().filter((a) => a['OS-EXT-IPS:type'] === 'floating').map((a) => a.addr) })),
		ports,
	};
}

function draw(d) {
	const serversOf = (netId) => d.servers.filter((v) => d.ports.find((q) => q.device === v.id && q.owner.startsWith('compute:'))?.net === netId);
	const rowWidth = Math.max(d.routers.length, ...d.nets.map((n) => serversOf(n.id).length), 3) * (BOX_W + GAP) + GAP;
	const width = Math.max(760, rowWidth);
	const extY = (i) => TOP + i * (BAR_H + 10);
	const routerY = TOP + Math.max(1, d.ext.length) * (BAR_H + 10) + 40;
	const netY = (k) => routerY + BOX_H + 60 + k * (BAR_H + BOX_H + 90);
	const height = netY(Math.max(d.nets.length, 1)) + 10;
	const svg = s('svg', { class: 'topology', viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-labelledby': 'topo-title', id: 'topology' });
	svg.append(s('title', { id: 'topo-title' }, `Network topology: ${d.routers.length} routers, ${d.nets.length} networks, ${d.servers.length} instances`));
	const lines = s('g', {}), shapes = s('g', {});
	svg.append(lines, shapes);
	const bar = (y, net, cls, kind) => {
		const g = s('g', { 'data-kind': kind, 'data-id': net.id, 'data-name': net.name });
		g.append(s('title', {}, `${kind === 'external' ? 'External network' : 'Network'} ${net.name}`),
			s('rect', { class: cls, x: 10, y, width: width - 20, height: BAR_H, rx: 4 }),
			s('text', { class: 'label-light', x: 20, y: y + 16 }, `${net.name}  ${net.cidrs.join(' ')}`));
		shapes.append(g);
	};
	const box = (x, y, cls, kind, obj, lines2) => {
		const g = s('g', { 'data-kind': kind, 'data-id': obj.id, 'data-name': obj.name });
		g.append(s('title', {}, `${kind === 'router' ? 'Router' : 'Instance'} ${obj.name}`),
			s('rect', { class: cls, x, y, width: BOX_W, height: BOX_H, rx: 6 }),
			s('text', { x: x + 8, y: y + 18 }, obj.name),
			s('text', { x: x + 8, y: y + 36 }, lines2));
		shapes.append(g);
	};
	const link = (x, y1, y2, label) => {
		lines.append(s('line', { x1: x, y1, x2: x, y2 }));
		if (label) lines.append(s('text', { x: x + 4, y: (y1 + y2) / 2 + 4 }, label));
	};
	d.ext.forEach((n, i) => bar(extY(i), n, 'ext', 'external'));
	d.nets.forEach((n, k) => bar(netY(k), n, 'net', 'network'));
	const netIndex = new Map(d.nets.map((n, k) => [n.id, k]));
	const extIndex = new Map(d.ext.map((n, i) => [n.id, i]));
	d.routers.forEach((r, i) => {
		const x = GAP + i * (BOX_W + GAP);
		box(x, routerY, 'router', 'router', r, r.gwIps.join(' '));
		if (r.gw && extIndex.has(r.gw)) link(x + BOX_W / 2, extY(extIndex.get(r.gw)) + BAR_H, routerY, '');
		d.ports.filter((q) => q.device === r.id && q.owner === 'network:router_interface' && netIndex.has(q.net)).forEach((q, j) =>
			link(x + 20 + j * 24, routerY + BOX_H, netY(netIndex.get(q.net)), q.ips.join(' ')));
	});
	d.nets.forEach((n, k) => {
		serversOf(n.id).forEach((v, i) => {
			const x = GAP + i * (BOX_W + GAP), y = netY(k) + BAR_H + 50;
			box(x, y, 'server', 'server', v, `${v.status} ${v.floating.join(' ')}`);
			d.ports.filter((q) => q.device === v.id && netIndex.has(q.net)).forEach((q, j) => {
				const ny = netY(netIndex.get(q.net));
				link(x + BOX_W - 20 - j * 24, ny + BAR_H, y, q.ips.join(' '));
			});
		});
	});
	return svg;
}

export function render(main) {
	const msg = h('div', { class: 'msg' });
	const holder = h('div', { id: 'topology-holder', 'aria-busy': 'true' }, h('p', { class: 'loading' }, 'Loading…'));
	main.append(h('h1', {}, 'Network topology'), msg, holder);
	let last = '', timer = null, stopped = false;
	const tick = async () => {
		try {
			const d = await load();
			const sig = JSON.stringify(d);
			if (sig !== last) {
				last = sig;
				clear(holder).append(draw(d));
				holder.setAttribute('aria-busy', 'false');
			}
			notice(msg, '');
		} catch (e) {
			notice(msg, `The topology could not be read: ${e.message}`);
		}
		if (!stopped) timer = setTimeout(tick, 2000);
	};
	tick();
	return () => { stopped = true; clearTimeout(timer); };
}
