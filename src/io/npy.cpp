#include "npy.h"

#include <cstdint>
#include <cstring>
#include <fstream>
#include <sstream>

#include "output_file.h"

namespace huge2 {
namespace {

// Value of 'key': in the header dict, as raw text up to the next ',' or '}'
// (or the closing ')' for the shape tuple).
std::string dict_value(const std::string& header, const std::string& key, const std::string& path) {
  const size_t k = header.find("'" + key + "'");
  if (k == std::string::npos) throw NpyError(path + ": .npy header has no '" + key + "'");
  size_t v = header.find(':', k);
  if (v == std::string::npos) throw NpyError(path + ": malformed .npy header");
  ++v;
  while (v < header.size() && header[v] == ' ') ++v;
  const size_t end = header[v] == '(' ? header.find(')', v) + 1 : header.find_first_of(",}", v);
  if (end == std::string::npos || end <= v) throw NpyError(path + ": malformed .npy header");
  return header.substr(v, end - v);
}

}  // namespace

NpyArray read_npy(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw NpyError(path + ": cannot open (" + std::strerror(errno) + ")");
  char magic[8];
  if (!f.read(magic, 8) || std::memcmp(magic, "\x93NUMPY", 6) != 0) throw NpyError(path + ": not a .npy file");
  uint32_t header_len = 0;
  if (magic[6] == 1) {
    uint16_t n = 0;
    f.read(reinterpret_cast<char*>(&n), 2);
    header_len = n;
  } else if (magic[6] == 2 || magic[6] == 3) {
    f.read(reinterpret_cast<char*>(&header_len), 4);
  } else {
    throw NpyError(path + ": unsupported .npy version " + std::to_string(int(magic[6])));
  }
  if (!f || header_len > (1u << 20)) throw NpyError(path + ": truncated .npy header");
  std::string header(header_len, '\0');
  if (!f.read(header.data(), header_len)) throw NpyError(path + ": truncated .npy header");
  {  // a structured dtype is a list of fields: "[('a', '<f4'), ...]"
    const size_t k = header.find("'descr'");
    const size_t v = k == std::string::npos ? k : header.find_first_not_of(" :", k + 7);
    if (v != std::string::npos && header[v] == '[')
      throw NpyError(path + ": structured dtype (a record array with named fields) is not float32 ('<f4'); "
                            "save a plain float32 array");
  }
  const std::string descr = dict_value(header, "descr", path);
  if (descr != "'<f4'" && descr != "'float32'")
    throw NpyError(path + ": dtype " + descr + " is not float32 ('<f4'); convert with a.astype('float32')");
  if (dict_value(header, "fortran_order", path) != "False")
    throw NpyError(path + ": Fortran-ordered arrays are not supported (use np.ascontiguousarray)");
  NpyArray a;
  std::string shape = dict_value(header, "shape", path);
  size_t count = 1;
  for (size_t i = 1; i + 1 < shape.size();) {
    while (i + 1 < shape.size() && (shape[i] == ' ' || shape[i] == ',')) ++i;
    if (i + 1 >= shape.size()) break;
    if (shape[i] == '-') throw NpyError(path + ": negative dimension in shape " + shape);
    if (shape[i] < '0' || shape[i] > '9') throw NpyError(path + ": bad shape " + shape);
    size_t used = 0;
    unsigned long long d = 0;
    try {
      d = std::stoull(shape.substr(i), &used);
    } catch (const std::exception&) {
      throw NpyError(path + ": bad shape " + shape);
    }
    if (d > (1ull << 31))
      throw NpyError(path + ": dimension " + std::to_string(d) + " in shape " + shape + " is more than 2^31");
    a.shape.push_back(size_t(d));
    count *= size_t(d);
    if (count > (size_t(1) << 32)) throw NpyError(path + ": shape " + shape + " has more than 2^32 elements");
    i += used;
  }
  // Compare with the file's size before allocating: a header can claim anything.
  const std::streamoff data_at = f.tellg();
  f.seekg(0, std::ios::end);
  const std::streamoff end = f.tellg();
  f.seekg(data_at);
  if (!f || data_at < 0 || end < data_at) throw NpyError(path + ": cannot tell its size");
  const uint64_t have = uint64_t(end - data_at), need = uint64_t(count) * sizeof(float);
  if (have < need)
    throw NpyError(path + ": data truncated (shape " + shape + " needs " + std::to_string(need) + " bytes, the file has " +
                   std::to_string(have) + ")");
  if (have > need)
    throw NpyError(path + ": " + std::to_string(have - need) + " bytes after the data (shape " + shape + " needs " +
                   std::to_string(need) + "): not one .npy array, or the header's shape is wrong");
  a.data.resize(count);
  if (count && !f.read(reinterpret_cast<char*>(a.data.data()), std::streamsize(need)))
    throw NpyError(path + ": read error");
  return a;
}

void write_npy(const std::string& path, const std::vector<size_t>& shape, const float* data) {
  std::ostringstream dims;
  size_t count = 1;
  for (size_t d : shape) dims << d << ", ", count *= d;
  std::string s = dims.str();
  if (shape.size() > 1) s.resize(s.size() - 2);  // "(1, 3, 4)"; a 1-d shape keeps its comma: "(3,)"
  else if (!s.empty()) s.resize(s.size() - 1);
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + s + "), }";
  const size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  try {
    OutputFile f(path);
    const uint16_t len = uint16_t(header.size());
    f.write("\x93NUMPY\x01\x00", 8);
    f.write(&len, 2);
    f.write(header.data(), header.size());
    f.write(data, count * sizeof(float));
    f.commit();
  } catch (const OutputError& e) {
    throw NpyError(e.what());  // this file's error type
  }
}

}  // namespace huge2
