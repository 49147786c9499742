#!/usr/bin/env bash
# Wrap the frozen "Study Teddy.app" into a signed, notarised installer package: build-pkg.sh VERSION
#
# NOT RUN OR TESTED: written on Linux, where no macOS, pkgbuild, codesign or notarytool exists.
# Read packaging/macos/README.md first: the spec needs a BUNDLE step before there is an .app at all.
#
# Environment (all optional; without the identities the pkg is unsigned and only good for testing):
#   STUDYTEDDY_APP               the app bundle (default: dist/Study Teddy.app)
#   STUDYTEDDY_BUNDLE_ID         its CFBundleIdentifier, also the package id (default: org.studyteddy.desktop)
#   STUDYTEDDY_APP_IDENTITY      "Developer ID Application: Name (TEAMID)": signs every program inside
#   STUDYTEDDY_INSTALLER_IDENTITY  "Developer ID Installer: Name (TEAMID)": signs the pkg
#   STUDYTEDDY_NOTARY_PROFILE    a keychain profile made by `xcrun notarytool store-credentials`;
#                                when set, the app and the pkg are notarised and stapled
#   STUDYTEDDY_POLICY_FILE       a school's policy.json, installed to /Library/Application Support/StudyTeddy/
#   STUDYTEDDY_MIN_MACOS         lowest macOS the pkg installs on (default: 12.0)
#   STUDYTEDDY_ARCHS             hostArchitectures for the installer (default: arm64)
set -euo pipefail

usage() {
    sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
}
[[ $# -eq 1 && $1 != -* ]] || usage
version=$1
[[ $version =~ ^[0-9]+(\.[0-9]+){1,2}$ ]] || { echo "build-pkg: version must be numbers like 0.1.0, not $version" >&2; exit 2; }

fail() { echo "build-pkg: $*" >&2; exit 1; }
[[ $(uname -s) == Darwin ]] || fail "this builds macOS packages and needs macOS (pkgbuild, productbuild, codesign)"

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
cd "$repo"
app=${STUDYTEDDY_APP:-dist/Study Teddy.app}
bundle_id=${STUDYTEDDY_BUNDLE_ID:-org.studyteddy.desktop}
min_macos=${STUDYTEDDY_MIN_MACOS:-12.0}
archs=${STUDYTEDDY_ARCHS:-arm64}
app_identity=${STUDYTEDDY_APP_IDENTITY:-}
installer_identity=${STUDYTEDDY_INSTALLER_IDENTITY:-}
notary_profile=${STUDYTEDDY_NOTARY_PROFILE:-}
policy_file=${STUDYTEDDY_POLICY_FILE:-}
out=dist/installers
work=build/macos-pkg
product="$out/StudyTeddy-$version.pkg"

[[ -d $app ]] || fail "no app bundle at '$app': build with the spec's BUNDLE step (see packaging/macos/README.md)"
plist="$app/Contents/Info.plist"
[[ -f $plist ]] || fail "'$plist' is missing: the spec's BUNDLE step did not run"
bundled_version=$(/usr/libexec/PlistBuddy -c 'Print :CFBundleShortVersionString' "$plist" 2>/dev/null || true)
[[ $bundled_version == "$version" ]] || fail "the app says version '${bundled_version:-none}', not $version: set info_plist in the spec's BUNDLE"
bundled_id=$(/usr/libexec/PlistBuddy -c 'Print :CFBundleIdentifier' "$plist" 2>/dev/null || true)
[[ $bundled_id == "$bundle_id" ]] || fail "the app's bundle id is '${bundled_id:-none}', not $bundle_id (set STUDYTEDDY_BUNDLE_ID or the spec)"
if [[ -n $notary_profile && ( -z $app_identity || -z $installer_identity ) ]]; then
    fail "notarisation needs both STUDYTEDDY_APP_IDENTITY and STUDYTEDDY_INSTALLER_IDENTITY"
fi
if [[ -n $policy_file ]]; then
    [[ -f $policy_file ]] || fail "STUDYTEDDY_POLICY_FILE '$policy_file' does not exist"
    /usr/bin/plutil -convert json -o /dev/null "$policy_file" 2>/dev/null \
        || python3 -m json.tool "$policy_file" >/dev/null || fail "'$policy_file' is not valid JSON"
fi

# The programs the app starts as separate processes: each must be signed with the hardened runtime
# and carry the entitlements, or macOS kills it (or it cannot load its libraries) at start.
for program in postgres initdb pg_ctl; do
    found=$(find "$app/Contents" -path "*/pginstall/bin/$program" -type f -perm -u+x -print -quit)
    [[ -n $found ]] || fail "the bundled PostgreSQL has no executable $program in the app (see README: copy the tree into Contents/Frameworks)"
done
[[ -n $(find "$app/Contents" -name redis-server -type f -perm -u+x -print -quit) ]] || fail "redis-server is missing from the app"
[[ -n $(find "$app/Contents" -name 'libllama*.dylib' -print -quit) ]] || fail "libllama.dylib is missing from the app (llama-cpp-python #1475)"

rm -rf "$work"
mkdir -p "$work/root" "$out"
# ditto keeps symlinks, modes and extended attributes; the signature lives in them.
ditto "$app" "$work/root/Study Teddy.app"
staged="$work/root/Study Teddy.app"
xattr -cr "$staged"

is_macho() { file -b "$1" | grep -q 'Mach-O'; }

if [[ -n $app_identity ]]; then
    /usr/bin/plutil -lint "$here/entitlements.plist" >/dev/null
    sign=(codesign --force --timestamp --options runtime --sign "$app_identity")
    # Inside out: loose libraries and programs, then Qt's .framework bundles as bundles, then the
    # app's own executable and the app. (codesign --deep would sign nested programs without the
    # entitlements, which the database and Redis servers need under the hardened runtime.)
    # -type f skips the symlinks PyInstaller makes between Contents/Frameworks and Resources.
    while IFS= read -r -d '' file; do
        is_macho "$file" || continue
        if [[ -x $file && $file != *.dylib && $file != *.so ]]; then
            "${sign[@]}" --entitlements "$here/entitlements.plist" "$file"
        else
            "${sign[@]}" "$file"
        fi
    done < <(find "$staged/Contents" -type f ! -path "$staged/Contents/MacOS/*" ! -path '*.framework/*' -print0)
    while IFS= read -r -d '' framework; do
        "${sign[@]}" "$framework"
    done < <(find "$staged/Contents" -type d -name '*.framework' -print0 -prune)
    while IFS= read -r -d '' file; do
        "${sign[@]}" --entitlements "$here/entitlements.plist" "$file"
    done < <(find "$staged/Contents/MacOS" -type f -print0)
    "${sign[@]}" --entitlements "$here/entitlements.plist" "$staged"
    codesign --verify --deep --strict --verbose=2 "$staged"
else
    echo "build-pkg: STUDYTEDDY_APP_IDENTITY is not set: the app stays unsigned (Gatekeeper will block it)" >&2
fi

if [[ -n $notary_profile ]]; then
    # Notarise and staple the app too, so a laptop that is offline at first start needs no look-up.
    ditto -c -k --keepParent "$staged" "$work/app-for-notary.zip"
    xcrun notarytool submit "$work/app-for-notary.zip" --keychain-profile "$notary_profile" --wait
    xcrun stapler staple "$staged"
    rm -f "$work/app-for-notary.zip"
fi

# Not relocatable: otherwise Installer "upgrades" any copy with the same bundle id it finds
# elsewhere on the disk (a developer build, a copy on a USB stick) instead of /Applications.
pkgbuild --analyze --root "$work/root" "$work/components.plist"
/usr/bin/plutil -replace 0.BundleIsRelocatable -bool NO "$work/components.plist"
/usr/bin/plutil -replace 0.BundleOverwriteAction -string upgrade "$work/components.plist"
pkgbuild --root "$work/root" --component-plist "$work/components.plist" \
    --identifier "$bundle_id" --version "$version" --install-location /Applications \
    "$work/StudyTeddy-app.pkg"

if [[ -n $policy_file ]]; then
    # Owned by root and readable by all, so a student can read the policy but never change it.
    # pkgbuild gives the install location the root folder's modes, hence a root of its own.
    mkdir -p "$work/policy-root"
    cp "$policy_file" "$work/policy-root/policy.json"
    chmod 755 "$work/policy-root"
    chmod 644 "$work/policy-root/policy.json"
    pkgbuild --root "$work/policy-root" --identifier "$bundle_id.policy" --version "$version" \
        --install-location "/Library/Application Support/StudyTeddy" --ownership recommended \
        "$work/StudyTeddy-policy.pkg"
fi

distribution="$work/distribution.xml"
sed -e "s|@VERSION@|$version|g" -e "s|@BUNDLE_ID@|$bundle_id|g" -e "s|@MIN_MACOS@|$min_macos|g" \
    -e "s|@HOST_ARCHITECTURES@|$archs|g" -e "s|@APP_PKG@|StudyTeddy-app.pkg|g" \
    -e "s|@POLICY_PKG@|StudyTeddy-policy.pkg|g" "$here/distribution.xml" > "$distribution"
if [[ -z $policy_file ]]; then
    sed -i '' -e '/<!-- POLICY-BEGIN -->/,/<!-- POLICY-END -->/d' "$distribution"
fi

product_args=(--distribution "$distribution" --package-path "$work" --version "$version")
if [[ -n $installer_identity ]]; then
    product_args+=(--sign "$installer_identity" --timestamp)
else
    echo "build-pkg: STUDYTEDDY_INSTALLER_IDENTITY is not set: the pkg stays unsigned" >&2
fi
rm -f "$product"
productbuild "${product_args[@]}" "$product"

if [[ -n $installer_identity ]]; then
    pkgutil --check-signature "$product"
fi
if [[ -n $notary_profile ]]; then
    xcrun notarytool submit "$product" --keychain-profile "$notary_profile" --wait
    xcrun stapler staple "$product"
    xcrun stapler validate "$product"
    spctl --assess --type install --verbose=2 "$product"
fi

echo "built $product ($(du -h "$product" | cut -f1)); install silently with:"
echo "  sudo installer -pkg '$product' -target /"
