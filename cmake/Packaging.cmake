# cmake --install and the Debian package (make package). Paths follow Debian 12: the binary in
# /usr/bin, the unit in /lib/systemd/system, the example configuration in /etc (a conffile,
# never over an existing one), the Prometheus and Alertmanager examples in /usr/share.
include(GNUInstallDirs)

install(TARGETS swas-invocation-monitor RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

# `cmake --install` keeps an existing configuration; dpkg does the same for its conffile.
install(CODE "
  set(_conf \"\$ENV{DESTDIR}/etc/swas-invocation-monitor/config.yaml\")
  if(EXISTS \"\${_conf}\")
    message(STATUS \"Keeping existing: \${_conf}\")
  else()
    file(MAKE_DIRECTORY \"\$ENV{DESTDIR}/etc/swas-invocation-monitor\")
    file(COPY_FILE \"${CMAKE_SOURCE_DIR}/config/swas-invocation-monitor.yaml\" \"\${_conf}\")
    message(STATUS \"Installing: \${_conf}\")
  endif()")

install(FILES systemd/swas-invocation-monitor.service DESTINATION /lib/systemd/system)
install(FILES deploy/prometheus/prometheus.yml deploy/prometheus/alerts.yml
              deploy/prometheus/alerts_test.yml
        DESTINATION ${CMAKE_INSTALL_DATADIR}/swas-invocation-monitor/prometheus)
install(FILES deploy/alertmanager/alertmanager.yml
        DESTINATION ${CMAKE_INSTALL_DATADIR}/swas-invocation-monitor/alertmanager)
install(FILES deploy/grafana/swas-invocation-monitor.json
        DESTINATION ${CMAKE_INSTALL_DATADIR}/swas-invocation-monitor/grafana)

set(SWAS_DOC_DIR ${CMAKE_INSTALL_DATADIR}/doc/swas-invocation-monitor)
add_custom_command(OUTPUT ${CMAKE_BINARY_DIR}/changelog.gz
                   COMMAND gzip -9n -c ${CMAKE_SOURCE_DIR}/packaging/changelog > ${CMAKE_BINARY_DIR}/changelog.gz
                   DEPENDS ${CMAKE_SOURCE_DIR}/packaging/changelog)
add_custom_target(swas_changelog ALL DEPENDS ${CMAKE_BINARY_DIR}/changelog.gz)
install(FILES ${CMAKE_BINARY_DIR}/changelog.gz DESTINATION ${SWAS_DOC_DIR} RENAME changelog.gz)
install(FILES README.md packaging/copyright DESTINATION ${SWAS_DOC_DIR})

file(WRITE ${CMAKE_BINARY_DIR}/conffiles "/etc/swas-invocation-monitor/config.yaml\n")

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME swas-invocation-monitor)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT
    "swas-invocation-monitor maintainers <maintainers@swas-invocation-monitor.org>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "alerts and metrics for Alibaba Cloud SWAS Cloud Assistant commands")
set(CPACK_PACKAGE_DESCRIPTION
    "A daemon that polls the Simple Application Server API\n\
DescribeCommandInvocations for the configured regions, tracks every command\n\
invocation per instance in SQLite, exports Prometheus metrics, and alerts\n\
webhooks, Alertmanager, DingTalk, Feishu/Lark, WeCom or Slack when an\n\
execution ends Failed, Timeout or with an ErrorCode, and again when it is\n\
fixed.")
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://github.com/swas-invocation-monitor/swas-invocation-monitor")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# alerts.timezone reads the system's tz database (not a shared library, so named here).
set(CPACK_DEBIAN_PACKAGE_DEPENDS tzdata)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA ${CMAKE_BINARY_DIR}/conffiles)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_STRIP_FILES ON)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_PACKAGE_DIRECTORY ${CMAKE_BINARY_DIR}/package)
include(CPack)
