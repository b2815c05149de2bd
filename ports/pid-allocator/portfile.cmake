# Header-only: nothing differs between debug and release, so only the release tree is built.
set(VCPKG_BUILD_TYPE release)

# REPO (and vcpkg.json's homepage) and SHA512 are filled in when a release tag is published: with
# SHA512 0, vcpkg downloads the tag's archive, refuses it and prints the hash to put here.
vcpkg_from_github(
    OUT_SOURCE_PATH SOURCE_PATH
    REPO pid-allocator/pid_allocator
    REF "v${VERSION}"
    SHA512 0
    HEAD_REF main
)

vcpkg_cmake_configure(
    SOURCE_PATH "${SOURCE_PATH}"
    OPTIONS
        -DPIDALLOC_BUILD_TESTS=OFF
        -DPIDALLOC_BUILD_EXAMPLES=OFF
        -DPIDALLOC_BUILD_BENCHMARKS=OFF
        -DPIDALLOC_INSTALL=ON
)
vcpkg_cmake_install()

# The CMake package is named pid_allocator (find_package(pid_allocator)), unlike the port.
vcpkg_cmake_config_fixup(PACKAGE_NAME pid_allocator CONFIG_PATH share/cmake/pid_allocator)
vcpkg_fixup_pkgconfig()

# The license goes in as share/pid-allocator/copyright; the upstream copy would be a duplicate.
file(REMOVE_RECURSE "${CURRENT_PACKAGES_DIR}/share/doc")

file(INSTALL "${CMAKE_CURRENT_LIST_DIR}/usage" DESTINATION "${CURRENT_PACKAGES_DIR}/share/${PORT}")
vcpkg_install_copyright(FILE_LIST "${SOURCE_PATH}/LICENSE")
