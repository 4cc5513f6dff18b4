# Bad input through the huge2 command line (issue 11): every case stops with
# a message naming the file, line, layer or option and a non-zero status; no
# crash, hang or huge allocation. Inputs: tests/data/robust (make.py says how
# the binary ones were made); the plugin's refusals of the same files are in
# plugin/CMakeLists.txt.
set(_r ${CMAKE_CURRENT_SOURCE_DIR}/../data/robust)
set(_y ${_cli_dir}/robust-y.npy)
set(_run "run|${_r}/tiny.cfg|${_r}/tiny.weights")

huge2_cli_test(robust.run.valid 0 "robust-y.npy: 1 x 16 x 16 x 2" "${_run}|--input|${_r}/x.npy|--output|${_y}")
# Options
huge2_cli_test(robust.threads-bounded 2 "--threads 100000 is more than 1024"
               "${_run}|--input|${_r}/x.npy|--output|${_y}|--threads|100000")
huge2_cli_test(robust.threads-1024-accepted 0 "robust-y.npy: 1 x 16 x 16 x 2"
               "${_run}|--input|${_r}/x.npy|--output|${_y}|--threads|1024")
huge2_cli_test(robust.run.batch-mismatch 2 "--batch 7 but .*x.npy holds a batch of 1"
               "${_run}|--input|${_r}/x.npy|--output|${_y}|--batch|7")
huge2_cli_test(robust.run.batch-equal 0 "robust-y.npy: 1 x 16 x 16 x 2"
               "${_run}|--input|${_r}/x.npy|--output|${_y}|--batch|1")
huge2_cli_test(robust.max-memory-malformed 2 "--max-memory: memory size '12X' is not"
               "${_run}|--input|${_r}/x.npy|--output|${_y}|--max-memory|12X")
huge2_cli_test(robust.generate.output-not-png 2 "--output g.txt: generate writes a PNG grid; the name must end in .png"
               "generate|${PROJECT_SOURCE_DIR}/cfg/dcgan64.cfg|${_r}/tiny.weights|--output|g.txt")
huge2_cli_test(robust.generate.count-too-large 2 "--count 100000000: the grid of 10000 x 10000 images .* needs"
               "generate|${PROJECT_SOURCE_DIR}/cfg/dcgan64.cfg|${_r}/tiny.weights|--count|100000000|--output|${_cli_dir}/never.png")
if(HUGE2_HAVE_DARKNET)
  # Refused before loading: the files do not exist, and the message is about the option.
  huge2_cli_test(robust.compare.repeats-0 2 "--repeats wants an integer >= 1, got '0'"
                 "compare|${_r}/absent.cfg|${_r}/absent.weights|--repeats|0")
endif()
# .npy inputs
huge2_cli_test(robust.npy.zero-dim 2 "zero-dim.npy: shape \\(0, 4, 8, 8\\) has a zero-length axis"
               "${_run}|--input|${_r}/zero-dim.npy|--output|${_y}")
huge2_cli_test(robust.npy.negative-dim 1 "negative-dim.npy: negative dimension in shape \\(-1, 4, 8, 8\\)"
               "${_run}|--input|${_r}/negative-dim.npy|--output|${_y}")
huge2_cli_test(robust.npy.structured 1 "structured.npy: structured dtype .* is not float32"
               "${_run}|--input|${_r}/structured.npy|--output|${_y}")
huge2_cli_test(robust.npy.trailing 1 "trailing.npy: 4 bytes after the data \\(shape \\(1, 4, 8, 8\\) needs 1024\\)"
               "${_run}|--input|${_r}/trailing.npy|--output|${_y}")
huge2_cli_test(robust.npy.huge-dim 1 "huge-dim.npy: shape \\(1, 4, 2147483648, 8\\) has more than 2\\^32 elements"
               "${_run}|--input|${_r}/huge-dim.npy|--output|${_y}")
# .weights
huge2_cli_test(robust.weights.wrong-version 1
               "wrong-version.weights: the version header 0.1.0 says 'seen' takes 4 bytes, but the layers fit exactly with 8"
               "run|${_r}/tiny.cfg|${_r}/wrong-version.weights|--input|${_r}/x.npy|--output|${_y}")
huge2_cli_test(robust.weights.text 1 "text.weights: not a Darknet weights file: its header reads version .*bytes '\\[net\\] batch='"
               "run|${_r}/tiny.cfg|${_r}/text.weights|--input|${_r}/x.npy|--output|${_y}")
# NaN / Inf: reported once, naming the first layer
huge2_cli_test(robust.nan.weights 0 "warning: layer 0 \\([^)]*tiny.cfg:8 \\[deconvolutional\\]\\) is the first whose output holds NaN or Inf"
               "run|${_r}/tiny.cfg|${_r}/nan.weights|--input|${_r}/x.npy|--output|${_y}")
huge2_cli_test(robust.nan.input 0 "warning: layer 0 \\([^)]*tiny.cfg:8 \\[deconvolutional\\]\\) is the first whose output holds NaN or Inf"
               "${_run}|--input|${_r}/nan.npy|--output|${_y}")
if(HUGE2_HAVE_DARKNET)
  huge2_cli_test(robust.nan.compare 0 "huge2 compare: warning: layer 0 .*tiny.cfg:8 \\[deconvolutional\\]\\) is the first whose output holds NaN or Inf"
                 "compare|${_r}/tiny.cfg|${_r}/nan.weights|--repeats|1")
endif()
huge2_cli_test(robust.nan.bench 0 "huge2 bench: warning: layer 0 .* NaN or Inf"
               "bench|${_r}/tiny.cfg|${_r}/nan.weights|--repeats|1")
# Images
huge2_cli_test(robust.image.huge 1 "cannot decode image '[^']*huge.png': it is 100000 x 100000 pixels; huge2 reads images of 1 to 268435456 pixels"
               "run|${_r}/tiny3.cfg|${_r}/tiny.weights|--input|${_r}/huge.png|--output|${_y}")
# A 129-byte JPEG whose frame header follows 9 stray bytes (libjpeg skips
# them and decodes 17732 x 17492 pixels): found by libFuzzer, refused unread.
huge2_cli_test(robust.image.jpeg-resync 1 "cannot decode image '[^']*resync-huge.jpg': it is 17732 x 17492 pixels"
               "run|${_r}/tiny3.cfg|${_r}/tiny.weights|--input|${_r}/resync-huge.jpg|--output|${_y}")
set_tests_properties(robust.image.jpeg-resync PROPERTIES TIMEOUT 10)
# Geometry and allocations, refused before allocating, naming file:line and layer
huge2_cli_test(robust.upsample.stride-100000 1 "upsample-huge.cfg:7 \\[upsample\\]: layer 0: stride=100000 makes the 8 x 8 x 4 input 800000 x 800000 x 4"
               "summary|${_r}/upsample-huge.cfg")
huge2_cli_test(robust.upsample.stride-2900 1 "upsample-2900.cfg:8 \\[upsample\\]: layer 0: stride=2900 .*more than 2\\^31-1"
               "summary|${_r}/upsample-2900.cfg")
huge2_cli_test(robust.connected.huge 1 "connected-huge.cfg:7 \\[connected\\]: layer 0: output=2000000000 on 256 inputs"
               "summary|${_r}/connected-huge.cfg")
huge2_cli_test(robust.shape.overflow 1 "conv-overflow.cfg:7 \\[convolutional\\]: layer 0: convolution: output would have 1 x 2147483647 x 8 x 8 elements"
               "summary|${_r}/conv-overflow.cfg")
huge2_cli_test(robust.deconv.stride-max 1 "deconv-stride-max.cfg:7 \\[deconvolutional\\]: layer 0: transposed convolution: output would have"
               "summary|${_r}/deconv-stride-max.cfg")
huge2_cli_test(robust.route.past-end 1 "route-past-end.cfg:13 \\[route\\]: layer 1: layers=5 names layer 5, which is not an earlier layer"
               "summary|${_r}/route-past-end.cfg")
huge2_cli_test(robust.shortcut.past-end 1 "shortcut-past-end.cfg:13 \\[shortcut\\]: layer 1: from=7 names layer 7"
               "summary|${_r}/shortcut-past-end.cfg")
huge2_cli_test(robust.maxpool.huge-window 0 "0 max +8 x 8 x 4 .*total" "bench|${_r}/maxpool-huge-window.cfg|--repeats|1")
huge2_cli_test(robust.maxpool.int-limits 0 "0 max +3 x 3 x 4 .*total" "bench|${_r}/maxpool-int-limits.cfg|--repeats|1")
set_tests_properties(robust.maxpool.huge-window robust.maxpool.int-limits PROPERTIES TIMEOUT 20)
# The memory budget: --max-memory (MemAvailable by default) names the largest layer
huge2_cli_test(robust.budget.connected 1
               "needs 1.9 GiB .*more than the 100.0 MiB of --max-memory; the largest is [^ ]*connected-big.cfg:7 \\[connected\\]: layer 0"
               "run|${_r}/connected-big.cfg|${_r}/tiny.weights|--input|${_r}/x.npy|--output|${_y}|--max-memory|100M")
huge2_cli_test(robust.budget.activations 1
               "needs 1.0 GiB \\(activations 1.0 GiB.*512.0 MiB of --max-memory; the largest is [^ ]*filters-65536.cfg:8 \\[convolutional\\]: layer 0"
               "bench|${_r}/filters-65536.cfg|--max-memory|512M|--repeats|1")
huge2_cli_test(robust.budget.batchnorm 1
               "needs 29.8 GiB .*more than the 1.0 GiB of --max-memory; the largest is [^ ]*batchnorm-huge.cfg:8 \\[batchnorm\\]: layer 0"
               "bench|${_r}/batchnorm-huge.cfg|--max-memory|1G")
huge2_cli_test(robust.summary.batchnorm-huge 0 "memory: activations 7.5 GiB, weights 22.4 GiB"
               "summary|${_r}/batchnorm-huge.cfg")
# summary prints the table of a 1 GiB network without allocating its activations
huge2_cli_test(robust.summary.no-activations 0 "64 x 64 x 65536.*memory: activations 1.0 GiB, weights 1.0 MiB"
               "summary|${_r}/filters-65536.cfg")
# Under an 800 MB address-space limit: summary prints, bench refuses (the
# budget sees the limit). One OpenMP thread: OpenBLAS maps 128 MiB per thread
# at start-up and retries forever when the limit refuses it.
if(NOT HUGE2_SANITIZE AND EXISTS /usr/bin/prlimit)  # ASan reserves terabytes of address space
  set(_limited "${CMAKE_COMMAND}|-E|env|OMP_NUM_THREADS=1|OPENBLAS_NUM_THREADS=1|/usr/bin/prlimit|--as=800000000|${_huge2}")
  add_test(NAME robust.summary.no-activations-800M COMMAND ${CMAKE_COMMAND}
           "-DCMD=${_limited}|summary|${_r}/filters-65536.cfg" -DRC=0
           "-DEXPECT=memory: activations 1.0 GiB" -P ${_cli_check})
  add_test(NAME robust.budget.address-space COMMAND ${CMAKE_COMMAND}
           "-DCMD=${_limited}|bench|${_r}/filters-65536.cfg|--threads|1" -DRC=1
           "-DEXPECT=needs 1.0 GiB .* available \\(MemAvailable or the address-space limit\\); the largest is [^ ]*filters-65536.cfg:8" -P ${_cli_check})
  # The same for a convolution's weights: they wait for the memory check
  # (the layer holds only its plan until then).
  add_test(NAME robust.summary.conv-weights-800M COMMAND ${CMAKE_COMMAND}
           "-DCMD=${_limited}|summary|${_r}/conv-weights-huge.cfg" -DRC=0
           "-DEXPECT=weights 2\\.[0-9] GiB" -P ${_cli_check})
  add_test(NAME robust.budget.conv-weights COMMAND ${CMAKE_COMMAND}
           "-DCMD=${_limited}|bench|${_r}/conv-weights-huge.cfg|--threads|1" -DRC=1
           "-DEXPECT=the largest is [^ ]*conv-weights-huge.cfg:[0-9]+ \\[convolutional\\]: layer 0" -P ${_cli_check})
  set_tests_properties(robust.summary.no-activations-800M robust.budget.address-space robust.summary.conv-weights-800M
                       robust.budget.conv-weights PROPERTIES TIMEOUT 30)
endif()
# A transposed layer on a 1x1 input with a huge stride: the output is 1x1, so
# the operator's plan must be too (the phases follow the output, not the stride).
huge2_cli_test(robust.deconv.1x1-stride-3000 0 "1 x 1 x 2 .*total" "bench|${_r}/deconv-1x1-stride3000.cfg|--repeats|1")
huge2_cli_test(robust.deconv.1x1-stride-max 0 "1 x 1 x 2 .*total" "bench|${_r}/deconv-1x1-stride-max.cfg|--repeats|1")
set_tests_properties(robust.deconv.1x1-stride-3000 robust.deconv.1x1-stride-max PROPERTIES TIMEOUT 20)
# Issue 21 (1): sizes from counting keys are 64-bit products with a limit;
# no wrap can make a check pass (yolo), divide by zero (reorg) or go negative.
huge2_cli_test(robust.limit.yolo-classes-wrap 1 "yolo-classes-wrap.cfg:9: \\[yolo\\] classes=1073741824 is more than 1048576, huge2's limit for it \\(layer 0\\)"
               "summary|${_r}/yolo-classes-wrap.cfg")
huge2_cli_test(robust.limit.region-classes 1 "region-classes-max.cfg:9: \\[region\\] classes=2147483647 is more than 1048576"
               "summary|${_r}/region-classes-max.cfg")
huge2_cli_test(robust.limit.iseg-ids 1 "iseg-ids-max.cfg:10: \\[iseg\\] ids=2147483647 is more than 1048576"
               "summary|${_r}/iseg-ids-max.cfg")
huge2_cli_test(robust.limit.dilation 1 "dilation-max.cfg:12: \\[convolutional\\] dilation=2147483647 is more than 65536"
               "summary|${_r}/dilation-max.cfg")
huge2_cli_test(robust.overflow.dilation-padding 1 "dilation-pad-overflow.cfg:8 \\[convolutional\\]: layer 0: convolution: dilation 65536 makes the padded input 4294836232x4294836232"
               "summary|${_r}/dilation-pad-overflow.cfg")
huge2_cli_test(robust.overflow.reorg-stride-65536 1 "reorg-stride-65536.cfg:8 \\[reorg\\]: layer 0: reorg by 65536 needs channels divisible by 4294967296"
               "summary|${_r}/reorg-stride-65536.cfg")
huge2_cli_test(robust.overflow.reorg-stride-46341 1 "reorg-stride-46341.cfg:8 \\[reorg\\]: layer 0: reorg by 46341 needs channels divisible by 2147488281"
               "summary|${_r}/reorg-stride-46341.cfg")
huge2_cli_test(robust.overflow.reorg-extra 1 "reorg-extra-max.cfg:8 \\[reorg\\]: layer 0: input values \\+ extra = 2147483903 is more than 2\\^31-1"
               "summary|${_r}/reorg-extra-max.cfg")
# Issue 21 (5): outputs. An output that is an input is refused before any
# work and the input is untouched; the extension is the format written; a
# write that fails (here a file-size limit, as a full disk would) names the
# file and the reason and leaves the old file whole, and no temporary file.
# The inputs are copies: a regression must not damage tests/data.
set(_o ${_cli_dir}/robust-outputs)
foreach(_f tiny.cfg tiny3.cfg tiny.weights x.npy)
  configure_file(${_r}/${_f} ${_o}/${_f} COPYONLY)
endforeach()
configure_file(${PROJECT_SOURCE_DIR}/data/street-day.png ${_o}/seg-classes.png COPYONLY)
configure_file(${_r}/tiny.weights ${_o}/keep.weights COPYONLY)
huge2_cli_test(robust.output.init-weights-over-cfg 1 "OUT.weights [^ ]*tiny.cfg is the same file as the input [^ ]*tiny.cfg: refused"
               "init-weights|${_o}/tiny.cfg|${_o}/tiny.cfg" "-DUNCHANGED=${_o}/tiny.cfg")
huge2_cli_test(robust.output.run-over-input 1 "--output [^ ]*x.npy is the same file as the input [^ ]*x.npy: refused"
               "run|${_o}/tiny.cfg|${_o}/tiny.weights|--input|${_o}/x.npy|--output|${_o}/x.npy" "-DUNCHANGED=${_o}/x.npy")
huge2_cli_test(robust.output.detect-over-image 1 "--output [^ ]*seg-classes.png is the same file as the input"
               "detect|${_o}/tiny3.cfg|${_o}/tiny.weights|${_o}/seg-classes.png|--output|${_o}/seg-classes.png"
               "-DUNCHANGED=${_o}/seg-classes.png")
huge2_cli_test(robust.output.segment-over-input 1 "--output-prefix [^ ]*seg-classes.png is the same file as the input"
               "segment|${_o}/tiny3.cfg|${_o}/tiny.weights|${_o}/seg-classes.png|--output-prefix|${_o}/seg"
               "-DUNCHANGED=${_o}/seg-classes.png")
huge2_cli_test(robust.output.run-extension 2 "--output [^ ]*y.png: run writes a .npy tensor; the name must end in .npy"
               "run|${_o}/tiny.cfg|${_o}/tiny.weights|--input|${_o}/x.npy|--output|${_o}/y.png" "-DABSENT=${_o}/y.png")
huge2_cli_test(robust.output.detect-extension 2 "--output [^ ]*x.jpg: detect writes a PNG image; the name must end in .png"
               "detect|${_o}/tiny3.cfg|${_o}/tiny.weights|${_o}/seg-classes.png|--output|${_o}/x.jpg" "-DABSENT=${_o}/x.jpg")
huge2_cli_test(robust.output.missing-directory 1 "[^ ]*no-such-dir/w.weights: cannot create \\(No such file or directory\\)"
               "init-weights|${_o}/tiny.cfg|${_o}/no-such-dir/w.weights")
if(EXISTS /usr/bin/prlimit)
  set(_fsize "/usr/bin/prlimit|--fsize=256|${_huge2}")
  add_test(NAME robust.output.write-fails-keeps-old COMMAND ${CMAKE_COMMAND}
           "-DCMD=${_fsize}|init-weights|${_o}/tiny.cfg|${_o}/keep.weights" -DRC=1
           "-DEXPECT=keep.weights: write failed \\(File too large\\)" "-DUNCHANGED=${_o}/keep.weights" -P ${_cli_check})
  add_test(NAME robust.output.write-fails-no-partial COMMAND ${CMAKE_COMMAND}
           "-DCMD=${_fsize}|run|${_o}/tiny.cfg|${_o}/tiny.weights|--input|${_o}/x.npy|--output|${_o}/partial.npy" -DRC=1
           "-DEXPECT=partial.npy: cannot write \\(File too large\\)" "-DABSENT=${_o}/partial.npy" -P ${_cli_check})
endif()
# Issue 21 (3, 4): bounded reads. An endless cfg or weights stream stops at a
# bound, a 3 GB sparse "image" is refused by its size unread, a directory is
# refused with its reason, a cfg line is not echoed whole; weights from a pipe
# are read (the plugin takes them too).
file(MAKE_DIRECTORY ${_o}/a-directory.png)
string(REPEAT "x" 100000 _x)  # a 100 KB line: quoted as its first 80 characters
file(WRITE ${_o}/long-line.cfg "[net]\nwidth=${_x}\n")
huge2_cli_test(robust.read.cfg-endless 1 "/dev/zero: no end after 16.0 MiB, the most huge2 reads as a cfg \\(an endless stream\\?\\)"
               "summary|/dev/zero")
huge2_cli_test(robust.read.cfg-long-line 1 "long-line.cfg:2: \\[net\\] width='x+\\.\\.\\. \\(100000 characters\\)' is not an integer\n*$"
               "summary|${_o}/long-line.cfg")
huge2_cli_test(robust.read.weights-directory 1 "a-directory.png: cannot read \\(Is a directory\\)"
               "run|${_o}/tiny.cfg|${_o}/a-directory.png|--input|${_o}/x.npy|--output|${_o}/y.npy")
huge2_cli_test(robust.read.weights-endless 1 "/dev/zero: no end after 544 bytes, the most huge2 reads as the weights of this cfg"
               "run|${_o}/tiny.cfg|/dev/zero|--input|${_o}/x.npy|--output|${_o}/y.npy")
huge2_cli_test(robust.read.image-directory 1 "a-directory.png: cannot read \\(Is a directory\\)"
               "run|${_o}/tiny3.cfg|${_o}/tiny.weights|--input|${_o}/a-directory.png|--output|${_o}/y.npy")
add_test(NAME robust.read.weights-pipe COMMAND sh -c "cat '${_o}/tiny.weights' | '${_huge2}' run '${_o}/tiny.cfg' /dev/stdin --input '${_o}/x.npy' --output '${_o}/pipe.npy'")
# (A shell pipe, so not through cli_check, whose '|' separates arguments: the
# pass expression ignores the status, the fail expression catches sanitizers.)
set_tests_properties(robust.read.weights-pipe PROPERTIES PASS_REGULAR_EXPRESSION "pipe.npy: 1 x 16 x 16 x 2"
                     FAIL_REGULAR_EXPRESSION "Sanitizer|runtime error")
if(EXISTS /usr/bin/truncate)
  add_test(NAME robust.read.image-sparse-setup COMMAND /usr/bin/truncate -s 3G ${_o}/sparse.png)
  set_tests_properties(robust.read.image-sparse-setup PROPERTIES FIXTURES_SETUP robust_sparse)
  huge2_cli_test(robust.read.image-sparse 1 "sparse.png: 3.0 GiB is more than the 1.0 GiB huge2 reads as an image"
                 "run|${_o}/tiny3.cfg|${_o}/tiny.weights|--input|${_o}/sparse.png|--output|${_o}/y.npy")
  add_test(NAME robust.read.image-sparse-cleanup COMMAND ${CMAKE_COMMAND} -E remove ${_o}/sparse.png)
  set_tests_properties(robust.read.image-sparse-cleanup PROPERTIES FIXTURES_CLEANUP robust_sparse)
  set_tests_properties(robust.read.image-sparse PROPERTIES FIXTURES_REQUIRED robust_sparse TIMEOUT 10)
endif()
# Issue 21 (7): a weights file that ends on a layer boundary (darknet
# partial's) loads with a warning naming what it held; one that ends inside a
# layer is refused, naming the layer.
huge2_cli_test(robust.weights.partial 0 "robust-y.npy: 1 x 32 x 32 x 2.*warning: [^ ]*tiny.weights: ends after layer 0 \\[deconv\\]: loaded layers 0..0; layers 1..1 get seeded random values"
               "run|${_r}/tiny2.cfg|${_r}/tiny.weights|--input|${_r}/x.npy|--output|${_y}")
huge2_cli_test(robust.weights.partial-inside-layer 1 "tiny-long.weights: layer 1 \\[deconv\\]: file ends 256 bytes short of its weights"
               "run|${_r}/tiny2.cfg|${_r}/tiny-long.weights|--input|${_r}/x.npy|--output|${_y}")
# Issue 21 (2): compare does not run libdarknet on a layer it crashes on; it
# says so and compares with huge2's own darknet algorithm.
if(HUGE2_HAVE_DARKNET)
  foreach(_case iseg:0 crnn:2 local:0)
    string(REPLACE ":" ";" _case "${_case}")
    list(GET _case 0 _t)
    list(GET _case 1 _b)
    set(_batch)
    if(_b GREATER 0)
      set(_batch "|--batch|${_b}")
    endif()
    huge2_cli_test(robust.compare.${_t}-weights 0 "wrote " "init-weights|${_r}/stock-${_t}.cfg|${_o}/stock-${_t}.weights")
    set_tests_properties(robust.compare.${_t}-weights PROPERTIES FIXTURES_SETUP robust_stock_${_t})
    huge2_cli_test(robust.compare.${_t}-not-stock 0
                   "layer 0 \\[${_t}\\]: stock Darknet's \\[${_t}\\] [^\n]*; stock Darknet is not run, every layer is compared with huge2's darknet algorithm.*largest difference 0.00e\\+00"
                   "compare|${_r}/stock-${_t}.cfg|${_o}/stock-${_t}.weights|--repeats|1${_batch}")
    set_tests_properties(robust.compare.${_t}-not-stock PROPERTIES FIXTURES_REQUIRED robust_stock_${_t} TIMEOUT 20)
  endforeach()
endif()
# Issue 21 (4, 6): detect and generate. A 1920 x 12 image letterboxes to 0
# rows and is detected as Darknet does (boxes clamped to the image); NaN
# weights are reported and NaN objectness passes no threshold; --names must
# be a file; a grid no PNG writer takes and a batch larger than --count are
# caught before any image is computed.
set(_yolo "${PROJECT_SOURCE_DIR}/cfg/yolov3-tiny-deconv.cfg|${_cli_dir}/yolo.weights")
huge2_cli_test(robust.detect.wide-image 0 "wide-1920x12.png: Predicted in .*wrote [^ ]*wide.png \\(1920 x 12\\)"
               "detect|${_yolo}|${_r}/wide-1920x12.png|--output|${_o}/wide.png")
add_test(NAME robust.detect.nan-weights-setup COMMAND sh -c
         "cp '${_cli_dir}/yolo.weights' '${_o}/nan-yolo.weights' && printf '\\000\\000\\300\\177' | dd of='${_o}/nan-yolo.weights' bs=1 seek=20 conv=notrunc 2>/dev/null")
huge2_cli_test(robust.detect.nan-weights 0 "0 boxes above 0.50.*warning: layer 0 \\([^)]*yolov3-tiny-deconv.cfg:[0-9]+ \\[convolutional\\]\\) is the first whose output holds NaN or Inf"
               "detect|${PROJECT_SOURCE_DIR}/cfg/yolov3-tiny-deconv.cfg|${_o}/nan-yolo.weights|${_r}/wide-1920x12.png|--output|${_o}/nan.png")
huge2_cli_test(robust.detect.names-directory 1 "a-directory.png: cannot read \\(Is a directory\\)"
               "detect|${_yolo}|${_r}/wide-1920x12.png|--names|${_o}/a-directory.png|--output|${_o}/wide.png")
set_tests_properties(robust.detect.wide-image robust.detect.names-directory robust.detect.nan-weights-setup
                     PROPERTIES FIXTURES_REQUIRED cli_yolo)
set_tests_properties(robust.detect.nan-weights-setup PROPERTIES FIXTURES_SETUP robust_nan_yolo)
set_tests_properties(robust.detect.nan-weights PROPERTIES FIXTURES_REQUIRED robust_nan_yolo)
huge2_cli_test(robust.generate.png-side 2 "--count 20000 --columns 1: the grid is 64 x 1319998 pixels; PNG writers take at most 1000000 a side"
               "generate|${PROJECT_SOURCE_DIR}/cfg/dcgan64.cfg|${_r}/tiny.weights|--count|20000|--columns|1|--output|${_o}/never.png")
huge2_cli_test(robust.generate.batch-over-count 0 "batch 2,.*wrote .*two.png.*--batch 1000 is more than --count 2: running batches of 2"
               "generate|${PROJECT_SOURCE_DIR}/cfg/dcgan64.cfg|${_cli_dir}/dcgan64.weights|--count|2|--batch|1000|--output|${_o}/two.png")
set_tests_properties(robust.generate.batch-over-count PROPERTIES FIXTURES_REQUIRED cli_dcgan64)
# Issue 21 (3): the decoded input image counts against the memory budget.
huge2_cli_test(robust.budget.image 1 "cannot decode image '[^']*big-4096.png': 4096 x 4096 pixels take 432.0 MiB decoded, more than the 100.0 MiB the memory budget"
               "run|${_r}/tiny3.cfg|${_r}/tiny.weights|--input|${_r}/big-4096.png|--output|${_y}|--max-memory|100M")
# Issue 21 (6): HUGE2_ISA is checked for every network, also one whose
# layers never run huge2's kernels.
add_test(NAME robust.env.isa-garbage COMMAND ${CMAKE_COMMAND}
         "-DCMD=${CMAKE_COMMAND}|-E|env|HUGE2_ISA=garbage|${_huge2}|summary|${_r}/tiny.cfg" -DRC=1
         "-DEXPECT=HUGE2_ISA: unknown instruction set 'garbage' \\(known: avx512f, avx2, neon, scalar\\)" -P ${_cli_check})
