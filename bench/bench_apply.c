/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench_apply: what the runtime costs per vCPU on this machine's /dev/kvm.
 *
 *  - The time of kfp_x86_apply (plan + commit) on fresh vCPUs, against the
 *    bare ioctls it issues (KVM_SET_CPUID2, KVM_SET_MSRS, KVM_GET_XSAVE2,
 *    KVM_SET_XCRS with precomputed arguments) on other fresh vCPUs of the
 *    same run.  Goal: median apply / median bare <= 1.10.
 *  - Heap allocations in plan + commit, counted by a malloc interposer.
 *    Goal: 0.
 *  - The size of libkfp.a's code (.text sections), read from the archive.
 *
 * Prints figures; asserts nothing about them.  Exits 77 with "SKIP: ..."
 * when /dev/kvm cannot be opened.
 *
 * usage: bench_apply [--iterations N] [--policy FILE.kfp]
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <kfp/kfp.h>

#include "compiler/catalog/catalog.h"
#include "compiler/semantics/config.h"
#include "compiler/pipeline.h"
#include "compiler/profiles/profile.h"
#include "compiler/emitters/tables.h"

#ifndef KFP_SOURCE_DIR
#define KFP_SOURCE_DIR "."
#endif
#ifndef KFP_LIBKFP_PATH
#define KFP_LIBKFP_PATH "libkfp.a"
#endif

#define SKIP 77

/* ---- heap allocations ------------------------------------------------ */

#if defined(__SANITIZE_ADDRESS__)
#define HAVE_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HAVE_ASAN 1
#endif
#endif

static volatile bool counting;
static unsigned long nallocs;

/* KFP_BENCH_STATIC: linked statically (the x86 fleet runs it inside its
 * kernels, tests/fleet/static.cmake), where glibc's malloc.o comes whole
 * and cannot be interposed. */
#if !defined(HAVE_ASAN) && !defined(KFP_BENCH_STATIC)
/* glibc's own entry points: the interposer counts, then forwards. */
extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t size);
extern void *__libc_memalign(size_t align, size_t size);
extern void __libc_free(void *p);

void *malloc(size_t size)
{
	if (counting)
		nallocs++;
	return __libc_malloc(size);
}

void *calloc(size_t n, size_t size)
{
	if (counting)
		nallocs++;
	return __libc_calloc(n, size);
}

void *realloc(void *p, size_t size)
{
	if (counting)
		nallocs++;
	return __libc_realloc(p, size);
}

void *aligned_alloc(size_t align, size_t size)
{
	if (counting)
		nallocs++;
	return __libc_memalign(align, size);
}

int posix_memalign(void **out, size_t align, size_t size)
{
	if (counting)
		nallocs++;
	void *p = __libc_memalign(align, size);
	if (!p)
		return ENOMEM;
	*out = p;
	return 0;
}

void free(void *p)
{
	__libc_free(p);
}
#endif

/* ---- .text of libkfp.a, from the archive's ELF objects ---------------- */

/* Sums the sizes of the executable sections of every member.  -1 if the
 * file cannot be read as an ar archive of ELF64 objects. */
static long archive_text_size(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	static unsigned char buf[4 << 20];
	size_t len = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	if (len < 8 || memcmp(buf, "!<arch>\n", 8))
		return -1;
	long text = 0;
	for (size_t off = 8; off + 60 <= len;) {
		const unsigned char *hdr = buf + off;
		char size_str[11] = { 0 };
		memcpy(size_str, hdr + 48, 10);
		size_t size = strtoul(size_str, NULL, 10);
		const unsigned char *m = hdr + 60;
		if (off + 60 + size > len)
			return -1;
		if (size >= sizeof(Elf64_Ehdr) && !memcmp(m, ELFMAG, SELFMAG) &&
		    m[EI_CLASS] == ELFCLASS64) {
			Elf64_Ehdr eh;
			memcpy(&eh, m, sizeof(eh));
			for (unsigned i = 0; i < eh.e_shnum; i++) {
				Elf64_Shdr sh;
				size_t at = eh.e_shoff + (size_t)i * eh.e_shentsize;
				if (at + sizeof(sh) > size)
					return -1;
				memcpy(&sh, m + at, sizeof(sh));
				if (sh.sh_type == SHT_PROGBITS && (sh.sh_flags & SHF_EXECINSTR))
					text += (long)sh.sh_size;
			}
		}
		off += 60 + size + (size & 1);
	}
	return text;
}

/* ---- the policy ------------------------------------------------------- */

struct compiled {
	struct kfp_ctx ctx;
	struct kfp_catalog *cat;
	struct kfp_compiled c;
	struct kfp_config *cfg;
};

/* hosts_dir: check the policy against the profiles there (kfpc --hosts),
 * or NULL. */
static int compile_policy(struct compiled *c, const char *path, const char *hosts_dir)
{
	struct kfp_ctx cat_ctx;
	kfp_ctx_init(&cat_ctx);
	cat_ctx.prog = "bench_apply";
	c->cat = kfp_catalog_load(&cat_ctx, kfp_catalog_default_dir());
	kfp_diags_print(&cat_ctx, stderr);
	kfp_ctx_fini(&cat_ctx);
	if (!c->cat)
		return -1;
	kfp_ctx_init(&c->ctx);
	struct kfp_compile_opts opts = { .hosts_dir = hosts_dir };
	if (!kfp_compile_file(&c->ctx, path, c->cat, &opts, &c->c) || !c->c.pol->nfleets) {
		kfp_diags_print(&c->ctx, stderr);
		return -1;
	}
	c->cfg = kfp_build_config(c->c.pol, &c->c.pol->fleets[0]);
	return 0;
}

static void compiled_free(struct compiled *c)
{
	kfp_config_free(c->cfg);
	kfp_compiled_free(&c->c);
	kfp_ctx_fini(&c->ctx);
	kfp_catalog_free(c->cat);
	memset(c, 0, sizeof(*c));
}

/* This host as a host profile, DIR/this-host.yaml, so that the compiler
 * hides what an `allow` names but this host lacks. */
static int write_host_profile(const struct kfp_host *h, int vm_fd, const char *dir)
{
	static struct kfp_cpuid_entry cpuid[KFP_MAX_CPUID_ENTRIES];
	static struct kfp_reg_value msrs[KFP_MAX_FEATURE_MSRS];
	struct utsname u;
	if (uname(&u) < 0)
		return -1;
	for (uint32_t i = 0; i < h->ncpuid; i++) {
		const struct kvm_cpuid_entry2 *e = &h->cpuid[i];
		cpuid[i] = (struct kfp_cpuid_entry){ e->function, e->index, e->flags,
						     e->eax, e->ebx, e->ecx, e->edx };
	}
	for (uint32_t i = 0; i < h->nmsrs; i++)
		msrs[i] = (struct kfp_reg_value){ h->msrs[i].index, h->msrs[i].value };
	int xsave2 = ioctl(vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_XSAVE2);
	struct kfp_reg_value caps[] = {
		{ KVM_CAP_GET_MSR_FEATURES, h->nmsrs > 0 },
		{ KVM_CAP_XSAVE2, xsave2 > 0 ? (uint64_t)xsave2 : 0 },
	};
	const struct kvm_cpuid_entry2 *d0 = kfp_host_cpuid(h, 0xd, 0), *d1 = kfp_host_cpuid(h, 0xd, 1);
	struct kfp_host_profile p = {
		.name = "this-host",
		.arch = KFP_ARCH_X86_64,
		.kernel_release = u.release,
		.caps = caps,
		.ncaps = 2,
		.cpuid = cpuid,
		.ncpuid = h->ncpuid,
		.msrs = msrs,
		.nmsrs = h->nmsrs,
		.xsave_size = xsave2 > 0 ? (uint32_t)xsave2 : 0,
		.xcr0 = d0 ? (uint64_t)d0->edx << 32 | d0->eax : 0,
		.xss = d1 ? (uint64_t)d1->edx << 32 | d1->ecx : 0,
	};
	char path[4096];
	snprintf(path, sizeof(path), "%s/this-host.yaml", dir);
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	int r = kfp_profile_write(&p, f);
	return fclose(f) == 0 && r == 0 ? 0 : -1;
}

/* ---- vCPUs ------------------------------------------------------------ */

struct vcpus {
	int kvm_fd, vm_fd;
	int limit, next_id; /* vCPUs per VM, next id in the current VM */
};

static int new_vm(struct vcpus *v)
{
	if (v->vm_fd >= 0)
		close(v->vm_fd);
	v->vm_fd = ioctl(v->kvm_fd, KVM_CREATE_VM, 0);
	v->next_id = 0;
	return v->vm_fd;
}

/* A fresh vCPU; a new VM when the current one is full. */
static int new_vcpu(struct vcpus *v)
{
	if (v->next_id >= v->limit && new_vm(v) < 0)
		return -1;
	return ioctl(v->vm_fd, KVM_CREATE_VCPU, v->next_id++);
}

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* The same writes as a commit, with the arguments computed beforehand. */
struct bare {
	struct kfp_x86_plan plan; /* its CPUID table, MSR list and xsave buffer */
	unsigned long get_xsave;
	struct kvm_xcrs xcrs;
	bool cpuid_only; /* the host's KVM rewrites CPUID: apply stops there */
};

static int bare_apply(struct bare *b, int vcpu_fd)
{
	struct kvm_msrs *msrs = kfp_plan_msrs(&b->plan);
	struct kvm_cpuid2 *back = (struct kvm_cpuid2 *)(void *)b->plan.readback_buf;
	if (ioctl(vcpu_fd, KVM_SET_CPUID2, kfp_plan_cpuid(&b->plan)) < 0)
		return -1;
	back->nent = KFP_MAX_CPUID_ENTRIES;
	if (ioctl(vcpu_fd, KVM_GET_CPUID2, back) < 0)
		return -1;
	if (b->cpuid_only)
		return 0;
	if (msrs->nmsrs && ioctl(vcpu_fd, KVM_SET_MSRS, msrs) != (int)msrs->nmsrs)
		return -1;
	if (b->get_xsave) {
		if (ioctl(vcpu_fd, b->get_xsave, b->plan.xsave) < 0)
			return -1;
		if (ioctl(vcpu_fd, KVM_SET_XCRS, &b->xcrs) < 0)
			return -1;
	}
	return 0;
}

/* True when every problem in the report is KVM rewriting the CPUID table. */
static bool rewrites_only(const struct kfp_report *rep)
{
	unsigned problems = 0, rewrites = 0;
	for (uint32_t i = 0; i < rep->nitems; i++) {
		if (rep->items[i].status == KFP_ITEM_APPLIED)
			continue;
		problems++;
		rewrites += strstr(rep->items[i].detail, "KVM rewrote CPUID") != NULL;
	}
	return problems && problems == rewrites;
}

static void print_report(const struct kfp_report *rep)
{
	for (uint32_t i = 0; i < rep->nitems; i++) {
		char line[256];
		kfp_report_item_format(&rep->items[i], line, sizeof(line));
		fprintf(stderr, "  %s: %s\n", kfp_item_status_name(rep->items[i].status), line);
	}
}

static struct kfp_host host;
static struct kfp_x86_plan plan;
static struct kfp_report rep;
static struct bare bare;

int main(int argc, char **argv)
{
	int iterations = 200;
	const char *policy = KFP_SOURCE_DIR "/policies/examples/minimal-x86.kfp";
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--iterations") && i + 1 < argc)
			iterations = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--policy") && i + 1 < argc)
			policy = argv[++i];
		else {
			fprintf(stderr, "usage: bench_apply [--iterations N] [--policy FILE.kfp]\n");
			return 2;
		}
	}
	if (iterations < 1)
		iterations = 1;

	int kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm_fd < 0) {
		printf("SKIP: cannot open /dev/kvm: %s\n", strerror(errno));
		return SKIP;
	}

	int r = kfp_host_init(&host, kvm_fd);
	if (r < 0) {
		fprintf(stderr, "bench_apply: kfp_host_init: %s\n", strerror(-r));
		return 1;
	}
	struct vcpus v = { .kvm_fd = kvm_fd, .vm_fd = -1 };
	int max_vcpus = ioctl(kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);
	int max_id = ioctl(kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPU_ID);
	v.limit = max_vcpus > 0 ? max_vcpus : 4;
	if (max_id > 0 && max_id < v.limit)
		v.limit = max_id;
	if (new_vm(&v) < 0) {
		fprintf(stderr, "bench_apply: KVM_CREATE_VM: %s\n", strerror(errno));
		return 1;
	}

	struct compiled c = { 0 };
	if (compile_policy(&c, policy, NULL) < 0) {
		fprintf(stderr, "bench_apply: %s does not compile\n", policy);
		return 1;
	}
	if (!c.cfg->x86) {
		printf("SKIP: %s has no x86_64 fleet\n", policy);
		return SKIP;
	}
	/* A policy without host profiles assumes every host has what it
	 * allows.  If this one does not, check the policy against this host,
	 * as `kfpc --hosts` would, so that `allow` hides what it lacks. */
	kfp_report_init(&rep);
	if (kfp_x86_plan(c.cfg, &host, v.vm_fd, &plan, &rep) == -ENOTSUP) {
		char dir[] = "/tmp/kfp-bench-XXXXXX";
		printf("note: this host's KVM lacks %u features %s allows (first: %s); compiling "
		       "it against this host's profile\n",
		       rep.nproblems, policy, rep.items[0].name);
		compiled_free(&c);
		if (!mkdtemp(dir) || write_host_profile(&host, v.vm_fd, dir) < 0 ||
		    compile_policy(&c, policy, dir) < 0) {
			fprintf(stderr, "bench_apply: cannot compile %s for this host\n", policy);
			return 1;
		}
		char path[sizeof(dir) + 32];
		snprintf(path, sizeof(path), "%s/this-host.yaml", dir);
		unlink(path);
		rmdir(dir);
	}
	const struct kfp_config *cfg = c.cfg;
	kfp_report_init(&rep);
	if ((r = kfp_prepare_process(cfg, &rep)) < 0) {
		print_report(&rep);
		return 1;
	}

	/* One apply to precompute the bare ioctls' arguments. */
	int vcpu = new_vcpu(&v);
	if (vcpu < 0) {
		fprintf(stderr, "bench_apply: KVM_CREATE_VCPU: %s\n", strerror(errno));
		return 1;
	}
	r = kfp_x86_apply(cfg, &host, v.vm_fd, vcpu, &plan, &rep);
	close(vcpu);
	/* A KVM that rewrites the CPUID table it is given (as this project's
	 * PVM test host does) makes every apply stop at the read-back, which
	 * is the right answer.  Measure that path, on both sides, and say so. */
	if (r == -EIO && rewrites_only(&rep)) {
		bare.cpuid_only = true;
		printf("note: this host's KVM rewrites the CPUID table it is given, so apply refuses "
		       "after reading it back; both sides below stop there (KVM_SET_CPUID2 + "
		       "KVM_GET_CPUID2), MSRs and xsave are not measured\n");
	} else if (r < 0) {
		fprintf(stderr, "bench_apply: kfp_x86_apply: %s\n", strerror(-r));
		print_report(&rep);
		return 1;
	}
	memcpy(&bare.plan, &plan, sizeof(plan));
	int xsave2 = ioctl(v.vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_XSAVE2);
	bare.get_xsave = !plan.xsave_size ? 0 : xsave2 > 0 ? KVM_GET_XSAVE2 : KVM_GET_XSAVE;
	bare.xcrs.nr_xcrs = 1;
	bare.xcrs.xcrs[0].value = plan.xcr0;

	double *t_apply = calloc((size_t)iterations, sizeof(double));
	double *t_bare = calloc((size_t)iterations, sizeof(double));
	unsigned long applies = 0;
	nallocs = 0;
	/* Alternate which goes first, so that drift hits both alike; the
	 * first rounds warm the caches and are not kept. */
	const int warmup = 5;
	for (int i = -warmup; i < iterations; i++) {
		int a = new_vcpu(&v), b = new_vcpu(&v);
		if (a < 0 || b < 0) {
			fprintf(stderr, "bench_apply: KVM_CREATE_VCPU: %s\n", strerror(errno));
			return 1;
		}
		double ta = 0, tb = 0;
		for (int k = 0; k < 2; k++) {
			if ((k == 0) == (i % 2 == 0)) {
				double t0 = now_us();
				kfp_report_init(&rep);
				counting = true;
				r = kfp_x86_apply(cfg, &host, v.vm_fd, a, &plan, &rep);
				counting = false;
				ta = now_us() - t0;
				applies++;
				if (r < 0 && !(r == -EIO && bare.cpuid_only)) {
					fprintf(stderr, "bench_apply: kfp_x86_apply: %s\n", strerror(-r));
					print_report(&rep);
					return 1;
				}
			} else {
				double t0 = now_us();
				r = bare_apply(&bare, b);
				tb = now_us() - t0;
				if (r < 0) {
					fprintf(stderr, "bench_apply: bare ioctls: %s\n", strerror(errno));
					return 1;
				}
			}
		}
		close(a);
		close(b);
		if (i >= 0) {
			t_apply[i] = ta;
			t_bare[i] = tb;
		}
	}

	/* The planning half alone: it reads the VM's xsave size and computes. */
	double *t_plan = calloc((size_t)iterations, sizeof(double));
	for (int i = 0; i < iterations; i++) {
		double t0 = now_us();
		kfp_report_init(&rep);
		kfp_x86_plan(cfg, &host, v.vm_fd, &plan, &rep);
		t_plan[i] = now_us() - t0;
	}

	double m_apply = median(t_apply, iterations), m_bare = median(t_bare, iterations);
	double m_plan = median(t_plan, iterations);
	long text = archive_text_size(KFP_LIBKFP_PATH);
	printf("bench_apply: %s, fleet \"%s\", %d vCPUs each way (%d per VM)\n", policy,
	       cfg->fleet, iterations, v.limit);
	printf("  host: %u supported CPUID entries, %u feature MSRs\n", host.ncpuid, host.nmsrs);
	printf("  plan: %u CPUID entries, %u MSRs, xsave %u bytes, XCR0 0x%llx\n",
	       kfp_plan_cpuid(&plan)->nent, kfp_plan_msrs(&plan)->nmsrs, plan.xsave_size,
	       (unsigned long long)plan.xcr0);
	printf("  apply (kfp_x86_apply)   median %8.2f us  (min %.2f, max %.2f)\n", m_apply,
	       t_apply[0], t_apply[iterations - 1]);
	printf("  bare ioctls             median %8.2f us  (min %.2f, max %.2f)\n", m_bare,
	       t_bare[0], t_bare[iterations - 1]);
	printf("  of which kfp_x86_plan   median %8.2f us\n", m_plan);
	printf("  ratio apply/bare        %.3f  (goal <= 1.10)\n", m_apply / m_bare);
#if defined(HAVE_ASAN)
	printf("  heap allocations in plan+commit: not counted (AddressSanitizer owns malloc)\n");
#elif defined(KFP_BENCH_STATIC)
	printf("  heap allocations in plan+commit: not counted (static build: no malloc interposer)\n");
#else
	printf("  heap allocations in plan+commit: %lu in %lu applies  (goal 0)\n", nallocs, applies);
#endif
	if (text >= 0)
		printf("  libkfp.a code (.text): %ld bytes\n", text);
	else
		printf("  libkfp.a code (.text): cannot read %s\n", KFP_LIBKFP_PATH);

	free(t_apply);
	free(t_bare);
	free(t_plan);
	close(v.vm_fd);
	close(kvm_fd);
	compiled_free(&c);
	return 0;
}
