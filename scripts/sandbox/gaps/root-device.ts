/**
 * STAND-IN for the root device's name in DescribeInstances. AWS attaches an instance's root volume at
 * the image's root device and reports that name as RootDeviceName (EC2 User Guide, "Root volumes for
 * your Amazon EC2 instances"). moto 5.2 reports the image's name (e.g. /dev/xvda for Amazon Linux 2023)
 * but attaches every root volume at /dev/sda1 whatever the image says (moto/ec2/models/instances.py),
 * so no volume is at the root device and every volume looks like a data volume. Here RootDeviceName
 * names where moto put the root volume; nothing else in the answer changes.
 */
const MOTO_ROOT_DEVICE = '/dev/sda1';

export function alignRootDevice(body: string): string {
  return body.replace(/<rootDeviceName>[^<]*<\/rootDeviceName>/g, `<rootDeviceName>${MOTO_ROOT_DEVICE}</rootDeviceName>`);
}
