// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.20;

/// OpenLedger datanets precompile (runtime/src/precompiles.rs).
interface IDatanets {
    function datanet(uint32 id) external view returns (bool exists, bytes32 owner, uint8 kind, uint8 status, uint32 version, uint32 accepted, uint32 pending);
    function contribution(uint64 id) external view returns (bool exists, uint32 datanet, bytes32 contributor, bytes32 contentHash, uint32 size, uint8 status, uint32 detail);
    function versionCommitment(uint32 datanet, uint32 version) external view returns (bytes32);
    function contribute(uint32 datanet, uint8 kind, bytes calldata data) external returns (uint64);
}

/// A contract that reads datanets and contributes through the precompile.
contract DatanetClient {
    IDatanets constant DATANETS = IDatanets(0x00000000000000000000000000000000044E0000);

    event Contributed(uint64 id);

    /// The contract pays contribution deposits from its own balance.
    receive() external payable {}

    function versionOf(uint32 id) external view returns (uint32) {
        (bool exists, , , , uint32 version, , ) = DATANETS.datanet(id);
        require(exists, "no such datanet");
        return version;
    }

    function commitmentOf(uint32 id, uint32 version) external view returns (bytes32) {
        return DATANETS.versionCommitment(id, version);
    }

    function contribute(uint32 id, bytes calldata data) external returns (uint64) {
        uint64 c = DATANETS.contribute(id, 0, data);
        emit Contributed(c);
        return c;
    }
}
