#include "backends/vulkan/vk_context.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>

#if INFERMARK_SANITIZE
#include <dlfcn.h>
#endif

#include "backends/vulkan/vk_check.hpp"
#include "backends/vulkan/vk_init.hpp"
#include "common/error.hpp"

namespace infermark::vk {
namespace {

constexpr const char* kValidationLayer = "VK_LAYER_KHRONOS_validation";

std::string version_string(uint32_t v) {
  return std::to_string(VK_API_VERSION_MAJOR(v)) + "." + std::to_string(VK_API_VERSION_MINOR(v)) +
         "." + std::to_string(VK_API_VERSION_PATCH(v));
}

bool has_layer(const char* name) {
  uint32_t n = 0;
  if (vkEnumerateInstanceLayerProperties(&n, nullptr) != VK_SUCCESS) return false;
  std::vector<VkLayerProperties> layers(n);
  if (vkEnumerateInstanceLayerProperties(&n, layers.data()) < 0) return false;
  for (const auto& l : layers)
    if (std::strcmp(l.layerName, name) == 0) return true;
  return false;
}

std::vector<std::string> instance_extensions(const char* layer) {
  uint32_t n = 0;
  std::vector<std::string> out;
  if (vkEnumerateInstanceExtensionProperties(layer, &n, nullptr) != VK_SUCCESS) return out;
  std::vector<VkExtensionProperties> ext(n);
  if (vkEnumerateInstanceExtensionProperties(layer, &n, ext.data()) < 0) return out;
  for (const auto& e : ext) out.emplace_back(e.extensionName);
  return out;
}

bool contains(const std::vector<std::string>& v, const char* s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

std::vector<std::string> device_extensions(VkPhysicalDevice pd) {
  uint32_t n = 0;
  std::vector<std::string> out;
  if (vkEnumerateDeviceExtensionProperties(pd, nullptr, &n, nullptr) != VK_SUCCESS) return out;
  std::vector<VkExtensionProperties> ext(n);
  if (vkEnumerateDeviceExtensionProperties(pd, nullptr, &n, ext.data()) < 0) return out;
  for (const auto& e : ext) out.emplace_back(e.extensionName);
  return out;
}

// Why vkCreateInstance failed, in words a user can act on.
std::string instance_failure(VkResult r) {
  std::string s = "vkCreateInstance: " + result_name(r);
  if (r == VK_ERROR_INCOMPATIBLE_DRIVER) s += " (no Vulkan ICD found)";
  if (r == VK_ERROR_LAYER_NOT_PRESENT) s += " (validation layer missing)";
  return s;
}

}  // namespace

bool validation_requested() {
  const char* v = std::getenv("INFERMARK_VK_VALIDATION");
  return v && *v && std::strcmp(v, "0") != 0;
}

std::string PhysicalDevice::type_name() const {
  switch (props.deviceType) {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU: return "discrete";
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU: return "integrated";
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU: return "virtual";
    case VK_PHYSICAL_DEVICE_TYPE_CPU: return "cpu";
    default: return "other";
  }
}

DeviceInfo PhysicalDevice::info() const {
  DeviceInfo d;
  d.id = id;
  d.name = props.deviceName;
  d.kind = props.deviceType == VK_PHYSICAL_DEVICE_TYPE_CPU ? "cpu" : "gpu";
  auto& j = d.details;
  j["type"] = type_name();
  j["api_version"] = version_string(props.apiVersion);
  j["driver_name"] = driver_name;
  j["driver_info"] = driver_info;
  j["vendor_id"] = props.vendorID;
  j["device_id"] = props.deviceID;
  j["subgroup_size"] = subgroup_size;
  j["subgroup_arithmetic"] = subgroup_arithmetic;
  j["shader_float16"] = shader_float16;
  j["storage_buffer_16bit"] = storage_16bit;
  j["shader_integer_dot_product"] = integer_dot;
  j["integer_dot_product_accelerated"] = integer_dot_accelerated;
  j["timestamp_period_ns"] = timestamp_period_ns;
  j["timestamp_valid_bits"] = timestamp_valid_bits;
  j["max_shared_memory_bytes"] = props.limits.maxComputeSharedMemorySize;
  j["max_storage_buffer_range"] = props.limits.maxStorageBufferRange;
  uint64_t local = 0;
  for (uint32_t i = 0; i < memory.memoryHeapCount; ++i)
    if (memory.memoryHeaps[i].flags & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT) local += memory.memoryHeaps[i].size;
  j["device_local_bytes"] = local;
  return d;
}

std::shared_ptr<Context> Context::create() {
  std::shared_ptr<Context> c(new Context());
  c->create_instance();
  if (c->instance_ != VK_NULL_HANDLE) c->enumerate();
  return c;
}

void Context::create_instance() {
  uint32_t loader_version = VK_API_VERSION_1_0;
  if (vkEnumerateInstanceVersion(&loader_version) != VK_SUCCESS) loader_version = VK_API_VERSION_1_0;
  if (loader_version < VK_API_VERSION_1_1) {
    reason_ = "the Vulkan loader is version " + version_string(loader_version) +
              "; infermark needs Vulkan 1.1 (subgroup operations)";
    return;
  }
  auto app = init<VkApplicationInfo>(VK_STRUCTURE_TYPE_APPLICATION_INFO);
  app.pApplicationName = "infermark";
  app.pEngineName = "infermark";
  app.apiVersion = std::min<uint32_t>(loader_version, VK_API_VERSION_1_3);

  std::vector<const char*> layers, extensions;
  const std::vector<std::string> available = instance_extensions(nullptr);
  auto ci = init<VkInstanceCreateInfo>(VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO);
  if (contains(available, VK_KHR_PORTABILITY_ENUMERATION_EXTENSION_NAME)) {
    extensions.push_back(VK_KHR_PORTABILITY_ENUMERATION_EXTENSION_NAME);
    ci.flags |= VK_INSTANCE_CREATE_ENUMERATE_PORTABILITY_BIT_KHR;
  }

  // Validation: the layer, a messenger that records (chained here too, so that messages about
  // instance creation itself are caught) and synchronization validation when the layer has it.
  auto messenger = init<VkDebugUtilsMessengerCreateInfoEXT>(VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT);
  messenger.messageSeverity = VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT |
                              VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT;
  messenger.messageType = VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT |
                          VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT;
  messenger.pfnUserCallback = &Context::on_message;
  messenger.pUserData = this;
  const VkValidationFeatureEnableEXT enables[] = {
      VK_VALIDATION_FEATURE_ENABLE_SYNCHRONIZATION_VALIDATION_EXT};
  auto features = init<VkValidationFeaturesEXT>(VK_STRUCTURE_TYPE_VALIDATION_FEATURES_EXT);
  features.enabledValidationFeatureCount = 1;
  features.pEnabledValidationFeatures = enables;
  const bool validate = validation_requested();
  if (validate) {
    if (!has_layer(kValidationLayer)) {
      reason_ = std::string("INFERMARK_VK_VALIDATION is set but ") + kValidationLayer +
                " is not installed (Debian: vulkan-validationlayers)";
      return;
    }
    const std::vector<std::string> layer_ext = instance_extensions(kValidationLayer);
    layers.push_back(kValidationLayer);
    extensions.push_back(VK_EXT_DEBUG_UTILS_EXTENSION_NAME);
    ci.pNext = &messenger;
    if (contains(layer_ext, VK_EXT_VALIDATION_FEATURES_EXTENSION_NAME)) {
      extensions.push_back(VK_EXT_VALIDATION_FEATURES_EXTENSION_NAME);
      messenger.pNext = &features;
    }
  }
  ci.pApplicationInfo = &app;
  ci.enabledLayerCount = uint32_t(layers.size());
  ci.ppEnabledLayerNames = layers.data();
  ci.enabledExtensionCount = uint32_t(extensions.size());
  ci.ppEnabledExtensionNames = extensions.data();
#if INFERMARK_SANITIZE
  // The loader dlcloses the validation layer at vkDestroyInstance; its leaks (third-party, see
  // scripts/sanitizers/lsan.supp) would then show as "<unknown module>", which no suppression
  // can name. Pinning it keeps the names.
  if (!layers.empty()) dlopen("libVkLayer_khronos_validation.so", RTLD_NOW | RTLD_NODELETE);
#endif
  const VkResult r = vkCreateInstance(&ci, nullptr, &instance_);
  if (r != VK_SUCCESS) {
    instance_ = VK_NULL_HANDLE;
    reason_ = instance_failure(r);
    return;
  }
  if (validate) {
    auto create = reinterpret_cast<PFN_vkCreateDebugUtilsMessengerEXT>(
        vkGetInstanceProcAddr(instance_, "vkCreateDebugUtilsMessengerEXT"));
    messenger.pNext = nullptr;
    if (!create || create(instance_, &messenger, nullptr, &messenger_) != VK_SUCCESS) {
      reason_ = "INFERMARK_VK_VALIDATION is set but the debug messenger could not be created";
      vkDestroyInstance(instance_, nullptr);
      instance_ = VK_NULL_HANDLE;
    }
  }
}

void Context::enumerate() {
  uint32_t n = 0;
  VkResult r = vkEnumeratePhysicalDevices(instance_, &n, nullptr);
  if (r < 0) {
    reason_ = "vkEnumeratePhysicalDevices: " + result_name(r);
    return;
  }
  std::vector<VkPhysicalDevice> handles(n);
  r = vkEnumeratePhysicalDevices(instance_, &n, handles.data());
  if (r < 0) {
    reason_ = "vkEnumeratePhysicalDevices: " + result_name(r);
    return;
  }
  std::vector<std::string> skipped;
  for (VkPhysicalDevice h : handles) {
    PhysicalDevice d;
    d.handle = h;
    vkGetPhysicalDeviceProperties(h, &d.props);
    vkGetPhysicalDeviceMemoryProperties(h, &d.memory);
    if (d.props.apiVersion < VK_API_VERSION_1_1) {
      skipped.push_back(std::string(d.props.deviceName) + " supports only Vulkan " +
                        version_string(d.props.apiVersion) + " (1.1 needed)");
      continue;
    }
    uint32_t qn = 0;
    vkGetPhysicalDeviceQueueFamilyProperties(h, &qn, nullptr);
    std::vector<VkQueueFamilyProperties> families(qn);
    vkGetPhysicalDeviceQueueFamilyProperties(h, &qn, families.data());
    int best = -1;
    for (uint32_t i = 0; i < qn; ++i) {
      if (!(families[i].queueFlags & VK_QUEUE_COMPUTE_BIT) || families[i].queueCount == 0) continue;
      if (best < 0 || (families[best].timestampValidBits == 0 && families[i].timestampValidBits > 0))
        best = int(i);
    }
    if (best < 0) {
      skipped.push_back(std::string(d.props.deviceName) + " has no compute queue");
      continue;
    }
    d.queue_family = uint32_t(best);
    d.timestamp_valid_bits = families[best].timestampValidBits;
    d.timestamp_period_ns = d.props.limits.timestampPeriod;

    const std::vector<std::string> ext = device_extensions(h);
    const bool v12 = d.props.apiVersion >= VK_API_VERSION_1_2;
    const bool has_driver_props = v12 || contains(ext, VK_KHR_DRIVER_PROPERTIES_EXTENSION_NAME);
    const bool has_f16 = v12 || contains(ext, VK_KHR_SHADER_FLOAT16_INT8_EXTENSION_NAME);

    auto subgroup = init<VkPhysicalDeviceSubgroupProperties>(VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_PROPERTIES);
    auto driver = init<VkPhysicalDeviceDriverProperties>(VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_DRIVER_PROPERTIES);
    auto props2 = init<VkPhysicalDeviceProperties2>(VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2);
    props2.pNext = &subgroup;
    if (has_driver_props) subgroup.pNext = &driver;
    vkGetPhysicalDeviceProperties2(h, &props2);
    d.subgroup_size = subgroup.subgroupSize;
    d.subgroup_arithmetic = (subgroup.supportedStages & VK_SHADER_STAGE_COMPUTE_BIT) &&
                            (subgroup.supportedOperations & VK_SUBGROUP_FEATURE_BASIC_BIT) &&
                            (subgroup.supportedOperations & VK_SUBGROUP_FEATURE_ARITHMETIC_BIT);
    if (has_driver_props) {
      d.driver_name = driver.driverName;
      d.driver_info = driver.driverInfo;
    }

    auto storage16 = init<VkPhysicalDevice16BitStorageFeatures>(VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_16BIT_STORAGE_FEATURES);
    auto f16 = init<VkPhysicalDeviceShaderFloat16Int8Features>(VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_FLOAT16_INT8_FEATURES);
    auto features2 = init<VkPhysicalDeviceFeatures2>(VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2);
    features2.pNext = &storage16;
    if (has_f16) storage16.pNext = &f16;
    vkGetPhysicalDeviceFeatures2(h, &features2);
    d.storage_16bit = storage16.storageBuffer16BitAccess;
    d.shader_float16 = has_f16 && f16.shaderFloat16;
    d.float16_extension = !v12 && d.shader_float16;

    // Integer dot product: core in 1.3 (the instance asks for up to 1.3), else the KHR extension.
    d.integer_dot_extension = contains(ext, VK_KHR_SHADER_INTEGER_DOT_PRODUCT_EXTENSION_NAME);
    if (d.integer_dot_extension || d.props.apiVersion >= VK_API_VERSION_1_3) {
      auto dot = init<VkPhysicalDeviceShaderIntegerDotProductFeatures>(
          VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_INTEGER_DOT_PRODUCT_FEATURES);
      auto f2 = init<VkPhysicalDeviceFeatures2>(VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2);
      f2.pNext = &dot;
      vkGetPhysicalDeviceFeatures2(h, &f2);
      d.integer_dot = dot.shaderIntegerDotProduct;
      auto dot_props = init<VkPhysicalDeviceShaderIntegerDotProductProperties>(
          VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_INTEGER_DOT_PRODUCT_PROPERTIES);
      auto p2 = init<VkPhysicalDeviceProperties2>(VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2);
      p2.pNext = &dot_props;
      vkGetPhysicalDeviceProperties2(h, &p2);
      d.integer_dot_accelerated = dot_props.integerDotProduct4x8BitPackedSignedAccelerated;
    }

    d.id = "vk" + std::to_string(devices_.size());
    devices_.push_back(std::move(d));
  }
  if (devices_.empty()) {
    reason_ = n == 0 ? "vkEnumeratePhysicalDevices: the Vulkan driver reports no device"
                     : "no usable Vulkan device:";
    for (const auto& s : skipped) reason_ += " " + s + ";";
  }
}

const PhysicalDevice& Context::device(const std::string& id) const {
  for (const auto& d : devices_)
    if (d.id == id) return d;
  throw Error(ErrorKind::Unavailable, "vulkan: no device '" + id + "'" +
                                          (devices_.empty() ? " (" + reason_ + ")" : ""));
}

VkBool32 Context::on_message(VkDebugUtilsMessageSeverityFlagBitsEXT severity,
                             VkDebugUtilsMessageTypeFlagsEXT types,
                             const VkDebugUtilsMessengerCallbackDataEXT* data, void* self) {
  auto* c = static_cast<Context*>(self);
  // Loader chatter (GENERAL, no validation id) is not a verdict on infermark's use of Vulkan.
  if (!(types & VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT)) return VK_FALSE;
  std::string msg = severity >= VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT ? "error: " : "warning: ";
  msg += data && data->pMessage ? data->pMessage : "(no message)";
  std::lock_guard<std::mutex> lock(c->log_mutex_);
  c->messages_.push_back(std::move(msg));
  return VK_FALSE;  // never abort the call: the error surfaces through check_validation()
}

void Context::check_validation(const std::string& where) {
  std::lock_guard<std::mutex> lock(log_mutex_);
  if (checked_ == messages_.size()) return;
  const size_t first = checked_, count = messages_.size() - checked_;
  checked_ = messages_.size();
  throw Error(ErrorKind::Backend, "vulkan validation layer (" + where + "): " + messages_[first] +
                                      (count > 1 ? " (and " + std::to_string(count - 1) +
                                                       " more messages)"
                                                 : ""));
}

std::vector<std::string> Context::validation_messages() const {
  std::lock_guard<std::mutex> lock(log_mutex_);
  return messages_;
}

Context::~Context() {
  if (messenger_ != VK_NULL_HANDLE) {
    auto destroy = reinterpret_cast<PFN_vkDestroyDebugUtilsMessengerEXT>(
        vkGetInstanceProcAddr(instance_, "vkDestroyDebugUtilsMessengerEXT"));
    if (destroy) destroy(instance_, messenger_, nullptr);
  }
  if (instance_ != VK_NULL_HANDLE) vkDestroyInstance(instance_, nullptr);
}

}  // namespace infermark::vk
