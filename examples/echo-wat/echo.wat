;; The echo extension: a core module implementing `annex:extension/handler.handle` by hand, to be
;; wrapped into a component against packages/sdk/wit/annex.wit (see src/build-echo-component.ts).
;; It imports nothing, so the component imports nothing either.
;;
;; Answer: status 200; headers `content-type: application/vnd.annex.echo`, `x-ext-echo-method: <method>`,
;; `x-ext-echo-path: <path>`; body = the echo frame of the whole execute-request (README.md,
;; src/echo-frame.ts), in which every string is length-prefixed so every byte round-trips.
;;
;; Canonical ABI facts used below (utf8 strings, 32-bit memory):
;; - execute-request flattens to 23 values (> 16), so the host stores it in our memory (through
;;   cabi_realloc) and passes its address. Its layout, every (ptr, len) pair being two i32:
;;     0 request-id  8 tenant-id  16 extension-id  24 install-id  32 version  40 content-hash
;;     48 method  56 path  64 query (ptr, count)  72 headers (ptr, count)
;;     80 body: u8 discriminant (1 = some), 84 ptr, 88 len
;;   A list<tuple<string, string>> element is 16 bytes: name (ptr, len), value (ptr, len).
;; - http-response flattens to 6 values (> 1), so we return the address of:
;;     0 status u16  4 headers ptr  8 headers count  12 body discriminant u8  16 body ptr  20 body len
;; - The host reads the answer before calling the post-return function, so the answer may point into
;;   the request's memory, and post-return can release everything the call allocated at once.
(module
  (memory (export "memory") 1)

  (data (i32.const 16) "content-type")               ;; 12 bytes
  (data (i32.const 32) "application/vnd.annex.echo") ;; 26 bytes
  (data (i32.const 64) "x-ext-echo-method")          ;; 17 bytes
  (data (i32.const 96) "x-ext-echo-path")            ;; 15 bytes

  ;; A bump allocator above the static data; reset after every call by post-return.
  (global $heap_base i32 (i32.const 1024))
  (global $heap (mut i32) (i32.const 1024))

  (func $alloc (param $align i32) (param $size i32) (result i32)
    (local $ptr i32)
    (local $end i32)
    (local.set $ptr
      (i32.and
        (i32.add (global.get $heap) (i32.sub (local.get $align) (i32.const 1)))
        (i32.sub (i32.const 0) (local.get $align))))
    (local.set $end (i32.add (local.get $ptr) (local.get $size)))
    (if (i32.lt_u (local.get $end) (local.get $ptr)) (then unreachable))
    (if (i32.gt_u (local.get $end) (i32.mul (memory.size) (i32.const 65536)))
      (then
        ;; Grow to the pages `end` needs; at the memory limit the guest traps.
        (if (i32.eq
              (memory.grow
                (i32.sub
                  (i32.shr_u (i32.add (local.get $end) (i32.const 65535)) (i32.const 16))
                  (memory.size)))
              (i32.const -1))
          (then unreachable))))
    (global.set $heap (local.get $end))
    (local.get $ptr))

  (func (export "cabi_realloc")
    (param $old i32) (param $old_size i32) (param $align i32) (param $new_size i32) (result i32)
    (local $new i32)
    (local.set $new (call $alloc (local.get $align) (local.get $new_size)))
    (if (local.get $old_size)
      (then
        (memory.copy (local.get $new) (local.get $old)
          (select (local.get $old_size) (local.get $new_size)
            (i32.lt_u (local.get $old_size) (local.get $new_size))))))
    (local.get $new))

  ;; Frame writing: each $put_* writes at $at and returns the address after what it wrote.
  (func $put_u32 (param $at i32) (param $value i32) (result i32)
    (i32.store align=1 (local.get $at) (local.get $value))
    (i32.add (local.get $at) (i32.const 4)))

  ;; The string whose (ptr, len) pair is at $field, as u32 length + bytes.
  (func $put_str (param $at i32) (param $field i32) (result i32)
    (local $len i32)
    (local.set $len (i32.load offset=4 (local.get $field)))
    (local.set $at (call $put_u32 (local.get $at) (local.get $len)))
    (memory.copy (local.get $at) (i32.load (local.get $field)) (local.get $len))
    (i32.add (local.get $at) (local.get $len)))

  (func $str_size (param $field i32) (result i32)
    (i32.add (i32.const 4) (i32.load offset=4 (local.get $field))))

  ;; The list<tuple<string, string>> whose (ptr, count) is at $field, as u32 count + the pairs.
  (func $put_pairs (param $at i32) (param $field i32) (result i32)
    (local $p i32)
    (local $end i32)
    (local.set $p (i32.load (local.get $field)))
    (local.set $end
      (i32.add (local.get $p) (i32.shl (i32.load offset=4 (local.get $field)) (i32.const 4))))
    (local.set $at (call $put_u32 (local.get $at) (i32.load offset=4 (local.get $field))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $at (call $put_str (local.get $at) (local.get $p)))
        (local.set $at (call $put_str (local.get $at) (i32.add (local.get $p) (i32.const 8))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $next)))
    (local.get $at))

  (func $pairs_size (param $field i32) (result i32)
    (local $p i32)
    (local $end i32)
    (local $size i32)
    (local.set $p (i32.load (local.get $field)))
    (local.set $end
      (i32.add (local.get $p) (i32.shl (i32.load offset=4 (local.get $field)) (i32.const 4))))
    (local.set $size (i32.const 4))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $size
          (i32.add (local.get $size)
            (i32.add (call $str_size (local.get $p))
                     (call $str_size (i32.add (local.get $p) (i32.const 8))))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $next)))
    (local.get $size))

  (func $set_pair (param $at i32) (param $name i32) (param $name_len i32) (param $value i32) (param $value_len i32)
    (i32.store (local.get $at) (local.get $name))
    (i32.store offset=4 (local.get $at) (local.get $name_len))
    (i32.store offset=8 (local.get $at) (local.get $value))
    (i32.store offset=12 (local.get $at) (local.get $value_len)))

  (func (export "annex:extension/handler@0.1.0#handle") (param $req i32) (result i32)
    (local $i i32)
    (local $size i32)
    (local $frame i32)
    (local $at i32)
    (local $headers i32)
    (local $res i32)

    ;; Measure the frame: the 8 strings at offsets 0..56, the two pair lists, the body.
    (block $done
      (loop $next
        (br_if $done (i32.eq (local.get $i) (i32.const 64)))
        (local.set $size
          (i32.add (local.get $size) (call $str_size (i32.add (local.get $req) (local.get $i)))))
        (local.set $i (i32.add (local.get $i) (i32.const 8)))
        (br $next)))
    (local.set $size (i32.add (local.get $size) (call $pairs_size (i32.add (local.get $req) (i32.const 64)))))
    (local.set $size (i32.add (local.get $size) (call $pairs_size (i32.add (local.get $req) (i32.const 72)))))
    (local.set $size (i32.add (local.get $size) (i32.const 1)))
    (if (i32.load8_u offset=80 (local.get $req))
      (then
        (local.set $size
          (i32.add (local.get $size) (call $str_size (i32.add (local.get $req) (i32.const 84)))))))

    ;; Write it.
    (local.set $frame (call $alloc (i32.const 1) (local.get $size)))
    (local.set $at (local.get $frame))
    (local.set $i (i32.const 0))
    (block $done
      (loop $next
        (br_if $done (i32.eq (local.get $i) (i32.const 64)))
        (local.set $at (call $put_str (local.get $at) (i32.add (local.get $req) (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 8)))
        (br $next)))
    (local.set $at (call $put_pairs (local.get $at) (i32.add (local.get $req) (i32.const 64))))
    (local.set $at (call $put_pairs (local.get $at) (i32.add (local.get $req) (i32.const 72))))
    (i32.store8 (local.get $at) (i32.load8_u offset=80 (local.get $req)))
    (if (i32.load8_u offset=80 (local.get $req))
      (then
        (drop (call $put_str (i32.add (local.get $at) (i32.const 1)) (i32.add (local.get $req) (i32.const 84))))))

    ;; Three headers; method and path values point at the request's own strings.
    (local.set $headers (call $alloc (i32.const 4) (i32.const 48)))
    (call $set_pair (local.get $headers) (i32.const 16) (i32.const 12) (i32.const 32) (i32.const 26))
    (call $set_pair (i32.add (local.get $headers) (i32.const 16)) (i32.const 64) (i32.const 17)
      (i32.load offset=48 (local.get $req)) (i32.load offset=52 (local.get $req)))
    (call $set_pair (i32.add (local.get $headers) (i32.const 32)) (i32.const 96) (i32.const 15)
      (i32.load offset=56 (local.get $req)) (i32.load offset=60 (local.get $req)))

    (local.set $res (call $alloc (i32.const 4) (i32.const 24)))
    (i32.store16 (local.get $res) (i32.const 200))
    (i32.store offset=4 (local.get $res) (local.get $headers))
    (i32.store offset=8 (local.get $res) (i32.const 3))
    (i32.store8 offset=12 (local.get $res) (i32.const 1))
    (i32.store offset=16 (local.get $res) (local.get $frame))
    (i32.store offset=20 (local.get $res) (local.get $size))
    (local.get $res))

  (func (export "cabi_post_annex:extension/handler@0.1.0#handle") (param i32)
    (global.set $heap (global.get $heap_base)))
)
