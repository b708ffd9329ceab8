// instances.js - the project's servers, live: the list is read again every
// second (one call: GET /servers/detail), so a change made anywhere shows
// within a second; launch, stop, start, reboot, delete, floating IPs and
// the console log, which follows as it grows, and the serial console (a
// websocket to the guest's serial port through the controller: a line
// typed goes to the guest, what it prints shows as it comes).
import * as api from './api.js';
import { h, clear, notice, button } from './dom.js';
import { form, section, action, confirmThen } from './ui.js';

const enc = (text) => btoa(String.fromCharCode(...new TextEncoder().encode(text)));

export function addresses(server) {
	return Object.entries(server.addresses || {}).map(([net, list]) =>
		h('div', {}, `${net}: `, list.map((a) => `${a.addr}${a['OS-EXT-IPS:type'] === 'floating' ? ' (floating)' : ''}`).join(', ')));
}

export function statusText(s) {
	const task = s['OS-EXT-STS:task_state'];
	return h('span', { class: `status-${s.status}` }, s.status, task ? ` (${task})` : '');
}

export function render(main) {
	const flavors = new Map();
	const images = new Map();
	const side = h('div', { id: 'instance-detail' });
	const launchBox = h('div', { id: 'launch-box', hidden: true });
	const launchBtn = button('Launch instance', () => {
		// Made when first opened: its option lists cost five API calls.
		if (!launchBox.firstChild) launchBox.append(launchForm());
		launchBox.hidden = !launchBox.hidden;
		if (!launchBox.hidden) launchBox.querySelector('input')?.focus();
	}, { class: 'primary', id: 'launch-open', 'aria-controls': 'launch-box' });
	let consoleTimer = null;
	let serialSocket = null;
	const closeSerial = () => { if (serialSocket) serialSocket.close(); serialSocket = null; };

	const list = section({
		title: 'Instances',
		every: 1000,
		empty: 'No instances yet: launch one.',
		tools: launchBtn,
		load: async () => (await api.get('compute', '/servers/detail')).servers
			.sort((a, b) => a.name.localeCompare(b.name))
			.map((s) => ({ id: s.id, name: s.name, status: s.status, task: s['OS-EXT-STS:task_state'] || null,
				addresses: s.addresses, flavor: s.flavor && s.flavor.id, image: s.image && s.image.id, fault: s.fault && s.fault.message })),
		columns: [
			['Name', (s) => s.name],
			['Status', (s) => [statusText({ status: s.status, 'OS-EXT-STS:task_state': s.task }), s.fault ? h('div', { class: 'fault' }, s.fault) : null]],
			['Addresses', (s) => addresses(s)],
			['Flavor', (s) => flavors.get(s.flavor) || s.flavor || ''],
			['Image', (s) => images.get(s.image) || s.image || ''],
		],
		actions: (s, act) => [
			s.status === 'SHUTOFF'
				? action('Start', s.id, () => act('Start', () => serverAction(s.id, { 'os-start': null })))
				: action('Stop', s.id, () => act('Stop', () => serverAction(s.id, { 'os-stop': null })), { disabled: s.status !== 'ACTIVE' }),
			action('Reboot', s.id, () => act('Reboot', () => serverAction(s.id, { reboot: { type: 'SOFT' } })), { disabled: s.status !== 'ACTIVE' }),
			action('Console log', s.id, () => showConsole(s)),
			action('Serial console', s.id, () => showSerial(s), { disabled: s.status !== 'ACTIVE' }),
			action('Floating IP', s.id, () => showFloatingIp(s, act)),
			action('Delete', s.id, confirmThen(`Delete instance ${s.name}?`, () => act('Delete', () => api.del('compute', `/servers/${s.id}`))), { class: 'danger' }),
		],
	});

	const serverAction = (id, body) => api.post('compute', `/servers/${id}/action`, body);

	async function showSerial(s) {
		clearTimeout(consoleTimer);
		closeSerial();
		const pre = h('pre', { class: 'console', id: 'serial-out', tabindex: 0, 'aria-label': `Serial console of ${s.name}` });
		const msg = h('div', { class: 'msg' });
		const line = h('input', { id: 'serial-in', type: 'text', autocomplete: 'off', 'aria-label': 'Send a line to the console' });
		clear(side).append(h('section', { 'aria-label': 'Serial console' },
			h('div', { class: 'section-head' }, h('h2', {}, `Serial console: ${s.name}`), button('Close', () => { closeSerial(); clear(side); })),
			msg, pre, h('form', { onsubmit: (e) => {
				e.preventDefault();
				if (serialSocket && serialSocket.readyState === WebSocket.OPEN) serialSocket.send(`${line.value}\n`);
				line.value = '';
			} }, line)));
		let url;
		try {
			url = (await serverAction(s.id, { 'os-getSerialConsole': { type: 'serial' } })).console.url;
		} catch (e) {
			notice(msg, `No serial console: ${e.message}`);
			return;
		}
		const ws = serialSocket = new WebSocket(url);
		const text = new TextDecoder();
		ws.binaryType = 'arraybuffer';
		ws.onopen = () => { notice(msg, ''); ws.send('\n'); line.focus(); };
		ws.onmessage = (ev) => {
			pre.textContent += typeof ev.data === 'string' ? ev.data : text.decode(ev.data, { stream: true });
			pre.scrollTop = pre.scrollHeight;
		};
		ws.onclose = () => { if (serialSocket === ws) notice(msg, 'The serial console closed.'); };
	}

	function showConsole(s) {
		clearTimeout(consoleTimer);
		closeSerial();
		const pre = h('pre', { class: 'console', id: 'console-log', tabindex: 0, 'aria-label': `Console log of ${s.name}` });
		const msg = h('div', { class: 'msg' });
		clear(side).append(h('section', { 'aria-label': 'Console log' },
			h('div', { class: 'section-head' }, h('h2', {}, `Console log: ${s.name}`), button('Close', () => { clearTimeout(consoleTimer); clear(side); })),
			msg, pre));
		let last = null;
		const poll = async () => {
			try {
				const r = await serverAction(s.id, { 'os-getConsoleOutput': { length: 400 } });
				if (r.output !== last) {
					const atEnd = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
					pre.textContent = r.output;
					last = r.output;
					if (atEnd) pre.scrollTop = pre.scrollHeight;
				}
				notice(msg, '');
			} catch (e) {
				notice(msg, `The console log could not be read: ${e.message}`);
			}
			if (side.contains(pre)) consoleTimer = setTimeout(poll, 1000);
		};
		poll();
	}

	async function showFloatingIp(s, act) {
		const ports = (await api.get('network', `/ports?device_id=${encodeURIComponent(s.id)}`)).ports;
		const fips = (await api.get('network', '/floatingips')).floatingips;
		const mine = fips.filter((f) => ports.some((p) => p.id === f.port_id));
		const free = fips.filter((f) => !f.port_id);
		const ext = (await api.get('network', '/networks?router:external=true')).networks;
		const box = h('section', { 'aria-label': 'Floating IP' },
			h('div', { class: 'section-head' }, h('h2', {}, `Floating IP: ${s.name}`), button('Close', () => clear(side))));
		for (const f of mine)
			box.append(h('p', {}, `${f.floating_ip_address} is associated. `,
				button('Disassociate', () => act('Disassociate', async () => {
					await api.put('network', `/floatingips/${f.id}`, { floatingip: { port_id: null } });
					clear(side);
				}), { id: 'fip-disassociate' })));
		if (!ports.length) box.append(h('p', { class: 'empty' }, 'This instance has no port to associate an address with.'));
		else box.append(form({
			title: 'Associate a floating IP',
			label: 'Associate',
			fields: [
				{ name: 'fip', label: 'Address', type: 'select', required: true,
					options: [...free.map((f) => [f.id, f.floating_ip_address]), ...ext.map((n) => [`new:${n.id}`, `A new address from ${n.name}`])] },
				{ name: 'port', label: 'Port', type: 'select', required: true,
					options: ports.map((p) => [p.id, `${p.fixed_ips.map((i) => i.ip_address).join(', ')} (${p.id.slice(0, 8)})`]) },
			],
			submit: async (v) => {
				let id = v.fip;
				if (id.startsWith('new:'))
					id = (await api.post('network', '/floatingips', { floatingip: { floating_network_id: id.slice(4) } })).floatingip.id;
				await api.put('network', `/floatingips/${id}`, { floatingip: { port_id: v.port } });
				clear(side);
				list.reload();
			},
		}));
		clear(side).append(box);
		box.querySelector('select, button')?.focus();
	}

	const launchForm = () => form({
		title: 'Launch an instance',
		label: 'Launch',
		fields: [
			{ name: 'name', label: 'Name', required: true, pattern: '[^\\x00-\\x1f]{1,255}', title: 'A name of 1 to 255 printable characters.' },
			{ name: 'image', label: 'Image', type: 'select', required: true, options: async () =>
				(await api.get('image', '/images?status=active')).images.map((i) => [i.id, i.name || i.id]) },
			{ name: 'flavor', label: 'Flavor', type: 'select', required: true, options: async () =>
				(await api.get('compute', '/flavors/detail')).flavors.map((f) => [f.id, `${f.name} (${f.vcpus} vCPU, ${f.ram} MB, ${f.disk} GB)`]) },
			{ name: 'networks', label: 'Networks', type: 'checks', required: true, empty: 'No network: create one on the Network page first.',
				options: async () => (await api.get('network', '/networks')).networks
					.filter((n) => !n['router:external']).map((n, i, all) => [n.id, n.name || n.id, all.length === 1]) },
			{ name: 'key', label: 'Key pair', type: 'select', none: 'No key pair', options: async () =>
				(await api.get('compute', '/os-keypairs')).keypairs.map((k) => [k.keypair.name, k.keypair.name]) },
			{ name: 'groups', label: 'Security groups', type: 'checks', options: async () =>
				(await api.get('network', '/security-groups')).security_groups.map((g) => [g.name, g.name, g.name === 'default']) },
			{ name: 'userdata', label: 'User data', type: 'textarea', hint: 'Given to the instance by the metadata service (cloud-init).' },
		],
		submit: async (v) => {
			const server = { name: v.name, imageRef: v.image, flavorRef: v.flavor, networks: v.networks.map((uuid) => ({ uuid })) };
			if (v.key) server.key_name = v.key;
			if (v.groups.length) server.security_groups = v.groups.map((name) => ({ name }));
			if (v.userdata) server.user_data = enc(v.userdata);
			await api.post('compute', '/servers', { server });
			launchBox.hidden = true;
			list.reload();
		},
	});

	main.append(h('h1', {}, 'Instances'), launchBox, list.el, side);
	// Names for the ids in the list, loaded on their own.
	api.get('compute', '/flavors').then((r) => { r.flavors.forEach((f) => flavors.set(f.id, f.name)); list.reload(); }).catch(() => {});
	api.get('image', '/images').then((r) => { r.images.forEach((i) => images.set(i.id, i.name)); list.reload(); }).catch(() => {});
	return () => { list.stop(); clearTimeout(consoleTimer); closeSerial(); };
}
