//go:build !purego

#include "textflag.h"

// func prefetchIdx(base *uint32, idx []uint32, mask, shift uint32)
TEXT ·prefetchIdx(SB), NOSPLIT, $0-40
	JMP ·prefetchIdx64(SB)

// func prefetchIdx64(base *uint64, idx []uint32, mask, shift uint32)
TEXT ·prefetchIdx64(SB), NOSPLIT, $0-40
	MOVQ base+0(FP), AX
	MOVQ idx_base+8(FP), SI
	MOVQ idx_len+16(FP), R9
	MOVL mask+32(FP), BX
	MOVL shift+36(FP), CX
	TESTQ R9, R9
	JZ done

loop:
	MOVL (SI), DX
	ANDL BX, DX
	SHLQ CX, DX
	PREFETCHT0 (AX)(DX*1)
	ADDQ $4, SI
	DECQ R9
	JNZ loop

done:
	RET
