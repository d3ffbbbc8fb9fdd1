# The memory server program (see mmserver/server/README in docs/userland.md).
file(GLOB MNEME_SERVER_SOURCES CONFIGURE_DEPENDS ${MNEME_ROOT}/mmserver/server/*.c)
mneme_user_program(mmserver ${MNEME_SERVER_SOURCES})
target_include_directories(user-mmserver PRIVATE ${MNEME_ROOT}/mmserver/server)
