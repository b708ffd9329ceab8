// network.js - networks, subnets, ports, routers, floating IPs, security
// groups and key pairs: one tab each, each list loading on its own.
import * as api from './api.js';
import { h, button, download } from './dom.js';
import { form, section, action, confirmThen, tabbed } from './ui.js';

const net = (p) => api.get('network', p);
const names = (list) => new Map(list.map((x) => [x.id, x.name || x.id]));
const externalNets = async () => (await net('/networks?router:external=true')).networks.map((n) => [n.id, n.name]);
const projectNets = async () => (await net('/networks')).networks.filter((n) => !n['router:external']).map((n) => [n.id, n.name || n.id]);
const subnetOptions = async () => (await net('/subnets')).subnets.map((s) => [s.id, `${s.name || s.id} (${s.cidr})`]);
const CIDR = '[0-9.]+/[0-9]{1,2}|[0-9a-fA-F:]+/[0-9]{1,3}';

function networks() {
	const list = section({
		title: 'Networks',
		load: async () => {
			const [n, s] = await Promise.all([net('/networks'), net('/subnets')]);
			const sn = names(s.subnets.map((x) => ({ id: x.id, name: `${x.name || x.id} ${x.cidr}` })));
			return n.networks.map((x) => ({ id: x.id, name: x.name, shared: x.shared, external: x['router:external'], status: x.status,
				subnets: x.subnets.map((id) => sn.get(id) || id) }));
		},
		columns: [['Name', (n) => n.name], ['Subnets', (n) => n.subnets.join(', ')], ['Shared', (n) => (n.shared ? 'yes' : 'no')],
			['External', (n) => (n.external ? 'yes' : 'no')], ['Status', (n) => n.status]],
		actions: (n, act) => [action('Delete', n.id, confirmThen(`Delete network ${n.name}?`, () => act('Delete', () => api.del('network', `/networks/${n.id}`))), { class: 'danger' })],
	});
	const create = form({
		title: 'Create a network',
		fields: [
			{ name: 'name', label: 'Name', required: true },
			{ name: 'cidr', label: 'Subnet CIDR', pattern: CIDR, title: 'An address range such as 10.0.0.0/24.', hint: 'Optional: a subnet made with the network, DHCP on.' },
		],
		submit: async (v) => {
			const n = (await api.post('network', '/networks', { network: { name: v.name } })).network;
			if (v.cidr)
				try {
					await api.post('network', '/subnets', { subnet: { network_id: n.id, name: `${v.name}-subnet`, cidr: v.cidr, ip_version: v.cidr.includes(':') ? 6 : 4 } });
				} catch (e) {
					await api.del('network', `/networks/${n.id}`).catch(() => {});
					throw e;
				}
		},
	});
	return [list, create];
}

function subnets() {
	const list = section({
		title: 'Subnets',
		load: async () => {
			const [s, n] = await Promise.all([net('/subnets'), net('/networks')]);
			const nn = names(n.networks);
			return s.subnets.map((x) => ({ id: x.id, name: x.name, cidr: x.cidr, gateway: x.gateway_ip, dhcp: x.enable_dhcp, network: nn.get(x.network_id) || x.network_id }));
		},
		columns: [['Name', (s) => s.name], ['Network', (s) => s.network], ['CIDR', (s) => s.cidr], ['Gateway', (s) => s.gateway || 'none'], ['DHCP', (s) => (s.dhcp ? 'on' : 'off')]],
		actions: (s, act) => [action('Delete', s.id, confirmThen(`Delete subnet ${s.name}?`, () => act('Delete', () => api.del('network', `/subnets/${s.id}`))), { class: 'danger' })],
	});
	const create = form({
		title: 'Create a subnet',
		fields: [
			{ name: 'network', label: 'Network', type: 'select', required: true, options: projectNets },
			{ name: 'name', label: 'Name' },
			{ name: 'cidr', label: 'CIDR', required: true, pattern: CIDR, title: 'An address range such as 10.0.0.0/24.' },
		],
		submit: async (v) => {
			await api.post('network', '/subnets', { subnet: { network_id: v.network, name: v.name, cidr: v.cidr, ip_version: v.cidr.includes(':') ? 6 : 4 } });
		},
	});
	return [list, create];
}

function ports() {
	return [section({
		title: 'Ports',
		load: async () => (await net('/ports')).ports.map((p) => ({ id: p.id, name: p.name, owner: p.device_owner, status: p.status, mac: p.mac_address,
			ips: p.fixed_ips.map((i) => i.ip_address).join(', ') })),
		columns: [['ID', (p) => p.id.slice(0, 8)], ['Name', (p) => p.name], ['Addresses', (p) => p.ips], ['MAC', (p) => p.mac], ['Owner', (p) => p.owner], ['Status', (p) => p.status]],
		actions: (p, act) => (p.owner ? [] : [action('Delete', p.id, confirmThen('Delete this port?', () => act('Delete', () => api.del('network', `/ports/${p.id}`))), { class: 'danger' })]),
	})];
}

function routers() {
	const list = section({
		title: 'Routers',
		load: async () => {
			const [r, n, p] = await Promise.all([net('/routers'), net('/networks'), net('/ports')]);
			const nn = names(n.networks);
			return r.routers.map((x) => ({ id: x.id, name: x.name, status: x.status,
				gateway: x.external_gateway_info ? nn.get(x.external_gateway_info.network_id) || x.external_gateway_info.network_id : null,
				interfaces: p.ports.filter((q) => q.device_id === x.id && q.device_owner === 'network:router_interface')
					.map((q) => ({ subnet: q.fixed_ips[0] && q.fixed_ips[0].subnet_id, ip: q.fixed_ips.map((i) => i.ip_address).join(', ') })) }));
		},
		columns: [['Name', (r) => r.name], ['Gateway', (r) => r.gateway || 'none'], ['Interfaces', (r) => r.interfaces.map((i) => i.ip).join(', ')], ['Status', (r) => r.status]],
		actions: (r, act) => [
			r.gateway
				? action('Clear gateway', r.id, () => act('Clear gateway', () => api.put('network', `/routers/${r.id}`, { router: { external_gateway_info: {} } })))
				: null,
			...r.interfaces.map((i) => action(`Remove ${i.ip}`, r.id, () => act('Remove interface', () => api.put('network', `/routers/${r.id}/remove_router_interface`, { subnet_id: i.subnet })))),
			action('Delete', r.id, confirmThen(`Delete router ${r.name}?`, () => act('Delete', () => api.del('network', `/routers/${r.id}`))), { class: 'danger' }),
		],
	});
	const create = form({
		title: 'Create a router',
		fields: [
			{ name: 'name', label: 'Name', required: true },
			{ name: 'ext', label: 'External network (gateway)', type: 'select', none: 'No gateway', options: externalNets },
		],
		submit: async (v) => {
			const router = { name: v.name };
			if (v.ext) router.external_gateway_info = { network_id: v.ext };
			await api.post('network', '/routers', { router });
		},
	});
	const iface = form({
		title: 'Add a router interface',
		label: 'Add interface',
		fields: [
			{ name: 'router', label: 'Router', type: 'select', required: true, options: async () => (await net('/routers')).routers.map((r) => [r.id, r.name || r.id]) },
			{ name: 'subnet', label: 'Subnet', type: 'select', required: true, options: subnetOptions },
		],
		submit: async (v) => {
			await api.put('network', `/routers/${v.router}/add_router_interface`, { subnet_id: v.subnet });
		},
	});
	const gw = form({
		title: 'Set a router gateway',
		label: 'Set gateway',
		fields: [
			{ name: 'router', label: 'Router', type: 'select', required: true, options: async () => (await net('/routers')).routers.map((r) => [r.id, r.name || r.id]) },
			{ name: 'ext', label: 'External network', type: 'select', required: true, options: externalNets },
		],
		submit: async (v) => {
			await api.put('network', `/routers/${v.router}`, { router: { external_gateway_info: { network_id: v.ext } } });
		},
	});
	return [list, create, iface, gw];
}

function floatingIps() {
	const list = section({
		title: 'Floating IPs',
		load: async () => (await net('/floatingips')).floatingips.map((f) => ({ id: f.id, ip: f.floating_ip_address, fixed: f.fixed_ip_address, port: f.port_id, status: f.status })),
		columns: [['Address', (f) => f.ip], ['Mapped to', (f) => f.fixed || 'nothing'], ['Status', (f) => f.status]],
		actions: (f, act) => [
			f.port ? action('Disassociate', f.id, () => act('Disassociate', () => api.put('network', `/floatingips/${f.id}`, { floatingip: { port_id: null } }))) : null,
			action('Release', f.id, confirmThen(`Release ${f.ip}?`, () => act('Release', () => api.del('network', `/floatingips/${f.id}`))), { class: 'danger' }),
		],
	});
	const create = form({
		title: 'Allocate a floating IP',
		label: 'Allocate',
		fields: [{ name: 'ext', label: 'External network', type: 'select', required: true, options: externalNets }],
		submit: async (v) => {
			await api.post('network', '/floatingips', { floatingip: { floating_network_id: v.ext } });
		},
	});
	return [list, create];
}

function rule(r) {
	const ports = r.port_range_min === null || r.port_range_min === undefined ? '' : r.port_range_min === r.port_range_max ? ` ${r.port_range_min}` : ` ${r.port_range_min}-${r.port_range_max}`;
	return `${r.direction} ${r.ethertype} ${r.protocol || 'any'}${ports} ${r.remote_ip_prefix || (r.remote_group_id ? 'group' : 'anywhere')}`;
}

function securityGroups() {
	const list = section({
		title: 'Security groups',
		load: async () => (await net('/security-groups')).security_groups.map((g) => ({ id: g.id, name: g.name, description: g.description,
			rules: g.security_group_rules.map((r) => ({ id: r.id, text: rule(r) })) })),
		columns: [['Name', (g) => g.name], ['Rules', (g) => g.rules.map((r) => h('div', {}, r.text, ' ',
			button('Delete rule', () => list.act('Delete rule', () => api.del('network', `/security-group-rules/${r.id}`)), { class: 'danger', 'aria-label': `Delete rule ${r.text}` })))]],
		actions: (g, act) => (g.name === 'default' ? [] : [action('Delete', g.id, confirmThen(`Delete security group ${g.name}?`, () => act('Delete', () => api.del('network', `/security-groups/${g.id}`))), { class: 'danger' })]),
	});
	const create = form({
		title: 'Create a security group',
		fields: [{ name: 'name', label: 'Name', required: true }, { name: 'description', label: 'Description' }],
		submit: async (v) => {
			await api.post('network', '/security-groups', { security_group: { name: v.name, description: v.description } });
		},
	});
	const addRule = form({
		title: 'Add a rule',
		label: 'Add rule',
		fields: [
			{ name: 'group', label: 'Security group', type: 'select', required: true, options: async () => (await net('/security-groups')).security_groups.map((g) => [g.id, g.name]) },
			{ name: 'direction', label: 'Direction', type: 'select', required: true, options: [['ingress', 'ingress'], ['egress', 'egress']] },
			{ name: 'protocol', label: 'Protocol', type: 'select', none: 'any', options: [['tcp', 'TCP'], ['udp', 'UDP'], ['icmp', 'ICMP']] },
			{ name: 'ports', label: 'Port or range', pattern: '[0-9]{1,5}(-[0-9]{1,5})?', title: 'A port (22) or a range (8000-8080).' },
			{ name: 'cidr', label: 'Remote CIDR', pattern: CIDR, title: 'An address range such as 0.0.0.0/0.', value: '0.0.0.0/0' },
		],
		submit: async (v) => {
			const r = { security_group_id: v.group, direction: v.direction, ethertype: v.cidr.includes(':') ? 'IPv6' : 'IPv4' };
			if (v.protocol) r.protocol = v.protocol;
			if (v.ports) [r.port_range_min, r.port_range_max] = v.ports.split('-').concat(v.ports).slice(0, 2).map(Number);
			if (v.cidr) r.remote_ip_prefix = v.cidr;
			await api.post('network', '/security-group-rules', { security_group_rule: r });
		},
	});
	return [list, create, addRule];
}

function keyPairs() {
	const list = section({
		title: 'Key pairs',
		load: async () => (await api.get('compute', '/os-keypairs')).keypairs.map((k) => ({ name: k.keypair.name, fingerprint: k.keypair.fingerprint })),
		columns: [['Name', (k) => k.name], ['Fingerprint', (k) => k.fingerprint]],
		actions: (k, act) => [action('Delete', k.name, confirmThen(`Delete key pair ${k.name}?`, () => act('Delete', () => api.del('compute', `/os-keypairs/${encodeURIComponent(k.name)}`))), { class: 'danger' })],
	});
	const name = { name: 'name', label: 'Name', required: true, pattern: '[A-Za-z0-9_ .-]{1,255}', title: 'Letters, digits, spaces, dots, dashes and underscores.' };
	const create = form({
		title: 'Create a key pair',
		fields: [name],
		submit: async (v) => {
			const k = (await api.post('compute', '/os-keypairs', { keypair: { name: v.name } })).keypair;
			// The private key exists only in this answer: saved once, never shown again.
			download(`${k.name}.pem`, k.private_key);
		},
	});
	const imp = form({
		title: 'Import a public key',
		label: 'Import',
		fields: [{ ...name }, { name: 'key', label: 'Public key', type: 'textarea', required: true, hint: 'One line: ssh-ed25519 AAAA… or ssh-rsa AAAA…' }],
		submit: async (v) => {
			await api.post('compute', '/os-keypairs', { keypair: { name: v.name, public_key: v.key } });
		},
	});
	return [list, create, imp];
}

const TABS = [['networks', 'Networks', networks], ['subnets', 'Subnets', subnets], ['ports', 'Ports', ports], ['routers', 'Routers', routers],
	['floating-ips', 'Floating IPs', floatingIps], ['security-groups', 'Security groups', securityGroups], ['key-pairs', 'Key pairs', keyPairs]];

export const render = (main) => tabbed(main, 'Network', 'Network resources', TABS);
