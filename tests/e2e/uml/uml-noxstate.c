/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * LD_PRELOAD shim for Debian's user-mode-linux 6.1 (tests/e2e only).
 *
 * Why: UML probes PTRACE_GETREGSET(NT_X86_XSTATE) with a buffer sized for
 * the XSAVE area it knows, and later writes the guest's FP state back with
 * PTRACE_SETREGSET(NT_X86_XSTATE) through the same buffer. On CPUs with a
 * large XSAVE area (AMX: about 10.7 KB) the host kernel refuses that with
 * EFAULT and UML panics: "ptrace set fp regs failed, errno = 14".
 * Failing the XSTATE regset requests makes UML fall back to
 * PTRACE_GETFPREGS/SETFPREGS (the 512-byte FXSAVE layout), which every
 * x86-64 host supports. The fallback does not carry AVX state, so the guest
 * userspace is also told not to use AVX (GLIBC_TUNABLES, OPENSSL_ia32cap on
 * the UML command line; see run-client.sh).
 *
 * Built at run time: gcc -O2 -shared -fPIC -o uml-noxstate.so uml-noxstate.c -ldl
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/ptrace.h>
#include <sys/types.h>

#ifndef NT_X86_XSTATE
#define NT_X86_XSTATE 0x202
#endif

typedef long (*ptrace_fn)(enum __ptrace_request, ...);

long ptrace(enum __ptrace_request req, ...)
{
	static ptrace_fn real;
	va_list ap;
	pid_t pid;
	void *addr, *data;

	va_start(ap, req);
	pid = va_arg(ap, pid_t);
	addr = va_arg(ap, void *);
	data = va_arg(ap, void *);
	va_end(ap);
	if ((req == PTRACE_GETREGSET || req == PTRACE_SETREGSET) &&
	    (long)addr == NT_X86_XSTATE) {
		errno = EIO; /* "no XSTATE regset": UML uses FXSAVE instead */
		return -1;
	}
	if (real == NULL)
		real = (ptrace_fn)dlsym(RTLD_NEXT, "ptrace");
	return real(req, pid, addr, data);
}
