/**
 * Grains as `cache.grains` returns them, for a fleet that does not exist: ≈5 KB of JSON per
 * minion (OS, CPU flags, interfaces, disks, Python paths, custom grains), deterministic for a
 * seed. Shared by the salt-api simulator and the benchmarks.
 */

/** mulberry32: a small, fast, deterministic PRNG; `seed` picks the sequence. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const OSES = [
  {
    os: 'Debian',
    os_family: 'Debian',
    osrelease: '12.5',
    codename: 'bookworm',
    kernel: 'Linux',
    kernelrelease: '6.1.0-18-amd64',
    weight: 30,
  },
  {
    os: 'Ubuntu',
    os_family: 'Debian',
    osrelease: '22.04',
    codename: 'jammy',
    kernel: 'Linux',
    kernelrelease: '5.15.0-105-generic',
    weight: 25,
  },
  {
    os: 'Rocky',
    os_family: 'RedHat',
    osrelease: '9.3',
    codename: 'Blue Onyx',
    kernel: 'Linux',
    kernelrelease: '5.14.0-362.24.1.el9_3.x86_64',
    weight: 15,
  },
  {
    os: 'CentOS Stream',
    os_family: 'RedHat',
    osrelease: '9',
    codename: 'stream',
    kernel: 'Linux',
    kernelrelease: '5.14.0-432.el9.x86_64',
    weight: 8,
  },
  {
    os: 'SUSE',
    os_family: 'Suse',
    osrelease: '15.5',
    codename: 'n/a',
    kernel: 'Linux',
    kernelrelease: '5.14.21-150500.55.49-default',
    weight: 7,
  },
  {
    os: 'Windows',
    os_family: 'Windows',
    osrelease: '2022Server',
    codename: 'n/a',
    kernel: 'Windows',
    kernelrelease: '10.0.20348',
    weight: 10,
  },
  {
    os: 'FreeBSD',
    os_family: 'FreeBSD',
    osrelease: '14.0-RELEASE',
    codename: 'n/a',
    kernel: 'FreeBSD',
    kernelrelease: '14.0-RELEASE',
    weight: 5,
  },
] as const;

const CPU_FLAGS =
  'fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush mmx fxsr sse sse2 ss ht syscall nx pdpe1gb rdtscp lm constant_tsc arch_perfmon rep_good nopl xtopology cpuid tsc_known_freq pni pclmulqdq vmx ssse3 fma cx16 pcid sse4_1 sse4_2 x2apic movbe popcnt tsc_deadline_timer aes xsave avx f16c rdrand hypervisor lahf_lm abm 3dnowprefetch cpuid_fault invpcid_single ssbd ibrs ibpb stibp ibrs_enhanced tpr_shadow flexpriority ept vpid ept_ad fsgsbase tsc_adjust bmi1 avx2 smep bmi2 erms invpcid avx512f avx512dq rdseed adx smap avx512ifma clflushopt clwb avx512cd sha_ni avx512bw avx512vl xsaveopt xsavec xgetbv1 xsaves wbnoinvd arat avx512vbmi umip pku ospke avx512_vbmi2 gfni vaes vpclmulqdq avx512_vnni avx512_bitalg avx512_vpopcntdq la57 rdpid fsrm md_clear arch_capabilities'.split(
    ' ',
  );
const CPU_MODELS = [
  'Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz',
  'AMD EPYC 7763 64-Core Processor',
  'Intel(R) Xeon(R) Platinum 8375C CPU @ 2.90GHz',
  'AMD EPYC 9654 96-Core Processor',
];
const SALT_VERSIONS = ['3006.9', '3007.1', '3007.6', '3008.5'];
const VIRTUAL = ['physical', 'kvm', 'VMware', 'Xen', 'HyperV'];
const DATACENTERS = ['fra1', 'ams2', 'iad1', 'sfo3', 'sin1'];
const ROLES = ['web', 'db', 'cache', 'queue', 'build', 'lb', 'monitor', 'storage'];

// Values most minions share are drawn from small pools of frozen objects, as a real fleet has a
// handful of hardware and OS profiles: the JSON is as large as Salt's, the heap much smaller.
const FLAG_SETS = Array.from({ length: 16 }, (_, k) => {
  const rand = prng(1000 + k);
  return Object.freeze(CPU_FLAGS.filter(() => rand() > 0.08));
});
const PYTHONPATH = Object.freeze([
  '/opt/saltstack/salt',
  '/opt/saltstack/salt/extras-3.10',
  '/opt/saltstack/salt/lib/python310.zip',
  '/opt/saltstack/salt/lib/python3.10',
  '/opt/saltstack/salt/lib/python3.10/lib-dynload',
  '/opt/saltstack/salt/lib/python3.10/site-packages',
]);
const SYSTEMD = Object.freeze({
  version: '252',
  features:
    '+PAM +AUDIT +SELINUX +APPARMOR +IMA +SMACK +SECCOMP +GCRYPT -GNUTLS +OPENSSL +ACL +BLKID +CURL +ELFUTILS +FIDO2 +IDN2 -IDN +IPTC +KMOD +LIBCRYPTSETUP +LIBFDISK +PCRE2 -PWQUALITY +P11KIT +QRENCODE +TPM2 +BZIP2 +LZ4 +XZ +ZLIB +ZSTD -BPF_FRAMEWORK -XKBCOMMON +UTMP +SYSVINIT default-hierarchy=unified',
});
const MOUNTS = Object.freeze([
  { device: '/dev/mapper/vg0-root', mountpoint: '/', fstype: 'ext4', opts: 'rw,relatime,errors=remount-ro' },
  { device: '/dev/sda1', mountpoint: '/boot', fstype: 'ext4', opts: 'rw,relatime' },
  {
    device: '/dev/mapper/vg0-var',
    mountpoint: '/var',
    fstype: 'xfs',
    opts: 'rw,noatime,attr2,inode64,logbufs=8',
  },
  { device: 'tmpfs', mountpoint: '/run', fstype: 'tmpfs', opts: 'rw,nosuid,nodev,size=819200k,mode=755' },
  {
    device: '/dev/nvme0n1p1',
    mountpoint: '/srv/data',
    fstype: 'xfs',
    opts: 'rw,noatime,attr2,inode64,noquota',
  },
]);
const LOCALE = Object.freeze({
  defaultlanguage: 'en_US',
  defaultencoding: 'UTF-8',
  detectedencoding: 'utf-8',
  timezone: 'UTC',
});
const PYTHONVERSION = Object.freeze([3, 10, 14, 'final', 0]);
const DNS = new Map<string, unknown>();
function dnsFor(dc: string): unknown {
  let dns = DNS.get(dc);
  if (!dns) {
    dns = Object.freeze({
      nameservers: ['10.0.0.2', '10.0.0.3'],
      ip4_nameservers: ['10.0.0.2', '10.0.0.3'],
      ip6_nameservers: [],
      sortlist: [],
      domain: `${dc}.example.net`,
      search: [`${dc}.example.net`, 'example.net'],
      options: ['edns0', 'trust-ad'],
    });
    DNS.set(dc, dns);
  }
  return dns;
}

function pick<T>(rand: () => number, list: readonly T[]): T {
  return list[Math.floor(rand() * list.length)] as T;
}

function pickOs(rand: () => number) {
  let r = rand() * 100;
  for (const os of OSES) {
    r -= os.weight;
    if (r <= 0) return os;
  }
  return OSES[0];
}

const HEX = '0123456789abcdef';
// Plain loops (not Array.from + join): a 50,000-minion fleet calls these millions of times.
function hex(rand: () => number, n: number): string {
  let out = '';
  for (let k = 0; k < n; k++) out += HEX[Math.floor(rand() * 16)];
  return out;
}
function mac(rand: () => number): string {
  let out = '';
  for (let k = 0; k < 6; k++) {
    const byte = Math.floor(rand() * 256);
    out += `${k === 0 ? '' : ':'}${HEX[byte >> 4]}${HEX[byte & 15]}`;
  }
  return out;
}

/**
 * One minion's grains: minion number `i` (part of its id, so ids are unique), values drawn from
 * `rand`. The id is `<role>-<i, 5 digits>.<datacenter>.example.net`.
 */
export function makeGrains(
  i: number,
  rand: () => number,
  saltversion = pick(rand, SALT_VERSIONS),
): Record<string, unknown> {
  const os = pickOs(rand);
  const role = pick(rand, ROLES);
  const dc = pick(rand, DATACENTERS);
  const id = `${role}-${String(i).padStart(5, '0')}.${dc}.example.net`;
  const ip = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
  const ip2 = `172.16.${(i >> 8) & 255}.${i & 255}`;
  const num_cpus = pick(rand, [2, 4, 8, 16, 32, 64]);
  const mem_total = pick(rand, [2048, 4096, 8192, 16384, 32768, 65536, 131072]);
  const windows = os.os_family === 'Windows';
  const [major = '0', minor = '0'] = saltversion.split('.');
  return {
    id,
    host: id.split('.')[0],
    fqdn: id,
    domain: `${dc}.example.net`,
    nodename: id.split('.')[0],
    localhost: id.split('.')[0],
    master: 'salt-master.example.net',
    os: os.os,
    os_family: os.os_family,
    osfullname: `${os.os} ${os.osrelease}`,
    osrelease: os.osrelease,
    osrelease_info: os.osrelease.split('.').map((p) => Number.parseInt(p, 10) || 0),
    osmajorrelease: Number.parseInt(os.osrelease, 10) || 0,
    oscodename: os.codename,
    osfinger: `${os.os}-${os.osrelease.split('.')[0]}`,
    osarch: windows ? 'AMD64' : 'amd64',
    kernel: os.kernel,
    kernelrelease: os.kernelrelease,
    kernelversion: windows
      ? 'Microsoft Windows Server 2022 Datacenter'
      : `#1 SMP PREEMPT_DYNAMIC ${os.os} ${os.kernelrelease}`,
    kernelparams: windows
      ? []
      : [
          ['BOOT_IMAGE', `/boot/vmlinuz-${os.kernelrelease}`],
          ['root', `UUID=${hex(rand, 8)}-${hex(rand, 4)}-${hex(rand, 4)}-${hex(rand, 4)}-${hex(rand, 12)}`],
          ['ro', null],
          ['quiet', null],
          ['console', 'ttyS0,115200n8'],
          ['crashkernel', 'auto'],
        ],
    cpuarch: 'x86_64',
    cpu_model: pick(rand, CPU_MODELS),
    cpu_flags: pick(rand, FLAG_SETS),
    num_cpus,
    num_gpus: 0,
    gpus: [],
    mem_total,
    swap_total: windows ? 0 : mem_total / 2,
    virtual: pick(rand, VIRTUAL),
    manufacturer: pick(rand, ['Dell Inc.', 'HPE', 'Supermicro', 'QEMU', 'VMware, Inc.']),
    productname: pick(rand, [
      'PowerEdge R650',
      'ProLiant DL360 Gen10',
      'Standard PC (Q35 + ICH9, 2009)',
      'VMware7,1',
    ]),
    serialnumber: hex(rand, 12).toUpperCase(),
    uuid: `${hex(rand, 8)}-${hex(rand, 4)}-${hex(rand, 4)}-${hex(rand, 4)}-${hex(rand, 12)}`,
    machine_id: hex(rand, 32),
    biosversion: `${1 + Math.floor(rand() * 3)}.${Math.floor(rand() * 20)}.${Math.floor(rand() * 10)}`,
    biosreleasedate: `0${1 + Math.floor(rand() * 9)}/1${Math.floor(rand() * 9)}/202${Math.floor(rand() * 4)}`,
    ipv4: ['127.0.0.1', ip, ip2],
    ipv6: ['::1', `fe80::${hex(rand, 4)}:${hex(rand, 4)}:${hex(rand, 4)}:${hex(rand, 4)}`],
    fqdn_ip4: [ip],
    fqdn_ip6: [],
    ip4_gw: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.1`,
    ip6_gw: false,
    ip_gw: true,
    ip_interfaces: { lo: ['127.0.0.1', '::1'], eth0: [ip], eth1: [ip2] },
    ip4_interfaces: { lo: ['127.0.0.1'], eth0: [ip], eth1: [ip2] },
    ip6_interfaces: { lo: ['::1'], eth0: [`fe80::${hex(rand, 4)}`], eth1: [] },
    hwaddr_interfaces: { lo: '00:00:00:00:00:00', eth0: mac(rand), eth1: mac(rand) },
    dns: dnsFor(dc),
    disks: windows ? [] : ['sda', 'sdb', 'dm-0', 'dm-1'],
    SSDs: windows ? [] : ['nvme0n1'],
    init: windows ? 'Windows' : 'systemd',
    systemd: windows ? undefined : SYSTEMD,
    selinux: {
      enabled: os.os_family === 'RedHat',
      enforced: os.os_family === 'RedHat' ? 'Enforcing' : 'Disabled',
    },
    saltversion,
    saltversioninfo: [Number(major), Number(minor), 0, 0],
    saltpath: '/opt/saltstack/salt/lib/python3.10/site-packages/salt',
    pythonversion: PYTHONVERSION,
    pythonexecutable: '/opt/saltstack/salt/bin/python3.10',
    pythonpath: PYTHONPATH,
    path: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    shell: windows ? 'C:\\Windows\\system32\\cmd.exe' : '/bin/sh',
    locale_info: LOCALE,
    zmqversion: '4.3.4',
    server_id: Math.floor(rand() * 2 ** 31),
    pid: 1000 + Math.floor(rand() * 60000),
    username: 'root',
    uid: 0,
    gid: 0,
    groupname: 'root',
    efi: rand() > 0.5,
    efi_secure_boot: false,
    lsb_distrib_id: os.os,
    lsb_distrib_release: os.osrelease,
    lsb_distrib_codename: os.codename,
    lsb_distrib_description: `${os.os} ${os.osrelease} (${os.codename})`,
    iscsi_iqn: windows ? [] : [`iqn.1993-08.org.debian:01:${hex(rand, 12)}`],
    nvme_nqn: windows
      ? []
      : [
          `nqn.2014-08.org.nvmexpress:uuid:${hex(rand, 8)}-${hex(rand, 4)}-${hex(rand, 4)}-${hex(rand, 4)}-${hex(rand, 12)}`,
        ],
    fc_wwn: [],
    mdadm: [],
    transactional: false,
    ssh_host_keys: windows
      ? {}
      : {
          rsa: `SHA256:${hex(rand, 43)}`,
          ecdsa: `SHA256:${hex(rand, 43)}`,
          ed25519: `SHA256:${hex(rand, 43)}`,
        },
    mounts: windows ? [] : MOUNTS,
    roles: [role, `${role}-${dc}`],
    environment: pick(rand, ['prod', 'staging', 'dev']),
    datacenter: dc,
    team: pick(rand, ['platform', 'payments', 'search', 'data', 'edge']),
    cost_center: `CC-${1000 + Math.floor(rand() * 9000)}`,
  };
}
