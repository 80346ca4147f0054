  (core module $main
    (memory (export "memory") 1)
    @MEMS@
    (global $bump (mut i32) (i32.const 8192))
    ;; A bump allocator (never frees): enough for one call.
    (func (export "realloc") (param i32 i32 i32 i32) (result i32)
      (local $p i32)
      (local.set $p (i32.and (i32.add (global.get $bump) (i32.sub (local.get 2) (i32.const 1)))
                             (i32.sub (i32.const 0) (local.get 2))))
      (global.set $bump (i32.add (local.get $p) (local.get 3)))
      (if (i32.gt_u (global.get $bump) (i32.mul (memory.size) (i32.const 65536)))
        (then (drop (memory.grow (i32.add (i32.const 1)
          (i32.shr_u (i32.sub (global.get $bump) (i32.mul (memory.size) (i32.const 65536))) (i32.const 16)))))))
      (local.get $p))
    ;; flavor-info at 512: name, version, description, settings (empty),
    ;; hosts (empty), capabilities {post}.
    (data (i32.const 256) "@NAME@")
    (data (i32.const 320) "0.1.0")
    (data (i32.const 352) "a 0.1 flavor written in WAT")
    (data (i32.const 512) "\00\01\00\00@NAMELEN@\00\00\00" "\40\01\00\00\05\00\00\00" "\60\01\00\00\1b\00\00\00"
                          "\00\00\00\00\00\00\00\00" "\00\00\00\00\00\00\00\00" "\01\00\00\00")
    (func (export "info") (result i32) @INFO@)
    ;; capabilities at 1024: post only.
    (data (i32.const 1024) "\01\00\00\00")
    (func (export "caps") (param i32 i32) (result i32) (i32.const 1024))
    ;; send's result at 1104: ok(sent { reference: "wat-sent" (at 1200), link: none }).
    (data (i32.const 1200) "wat-sent")
    (data (i32.const 1104) "\00\00\00\00\00\00\00\00" "\b0\04\00\00\08\00\00\00" "\00\00\00\00")
    (func (export "send") (param i32) (result i32) @SEND@ (i32.const 1104))
    ;; replies' result at 1136: err(unsupported("no replies" at 1216)).
    (data (i32.const 1216) "no replies")
    (data (i32.const 1136) "\01\00\00\00\00\00\00\00" "\03\00\00\00\00\00\00\00" "\c0\04\00\00\0a\00\00\00")
    (func (export "replies") (param i32 i32 i32 i32 i32 i32 i32) (result i32) (i32.const 1136))
  )
